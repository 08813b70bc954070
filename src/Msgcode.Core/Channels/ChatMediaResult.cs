namespace Msgcode.Core.Channels;

/// <summary>
/// A message once its attachments are read (<see cref="ChatMedia"/>): the prompt of its task, the files attached to
/// it, a voice note's transcript; or the answer that refuses it and that answer's ErrorId.
/// </summary>
internal sealed record ChatMediaResult(string Prompt, IReadOnlyList<string> Files, string? Transcript, string? Refusal, string? RefusalErrorId);
