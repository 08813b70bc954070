namespace Msgcode.Core.Channels;

/// <summary>How a chat's answers are sent (a route's <c>voiceReplyMode</c>).</summary>
public static class VoiceReplyModes
{
    /// <summary>As text (the default).</summary>
    public const string Text = "text";

    /// <summary>As speech only: the answer is spoken by the tts runner and sent as an audio file.</summary>
    public const string Audio = "audio";

    /// <summary>As text and, in the same message, as speech.</summary>
    public const string Both = "both";

    public static IReadOnlyList<string> All { get; } = [Text, Audio, Both];
}
