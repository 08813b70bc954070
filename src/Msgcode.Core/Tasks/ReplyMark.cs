namespace Msgcode.Core.Tasks;

/// <summary>
/// The durable mark a reply leaves in its task before it is sent (the task file's <c>reply</c>): which run's result,
/// to which chat, when, and the SHA-256 of its text (and whether a file went with it). With the task's
/// <see cref="TaskDocument.RepliedRunId"/> it makes sending exactly-once: a mark without that confirmation after a
/// crash means "maybe sent", and the chat's history decides.
/// </summary>
public sealed record ReplyMark(string RunId, string ChatGuid, long SendingAtMs, string TextSha, bool HasFile);
