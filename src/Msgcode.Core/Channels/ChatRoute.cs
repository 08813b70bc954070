using System.Text.Json.Serialization;

namespace Msgcode.Core.Channels;

/// <summary>One binding of a chat to a workspace (an entry of <c>&lt;home&gt;/routes.json</c>).</summary>
public sealed class ChatRoute
{
    [JsonPropertyName("chatGuid")]
    public string ChatGuid { get; set; } = string.Empty;

    /// <summary>The normalized chat id (the last <c>;</c>-separated part of the GUID).</summary>
    [JsonPropertyName("chatId")]
    public string? ChatId { get; set; }

    [JsonPropertyName("workspacePath")]
    public string Workspace { get; set; } = string.Empty;

    [JsonPropertyName("label")]
    public string? Label { get; set; }

    /// <summary>The runner kind of tasks made from this chat's messages; null uses the workspace's runner.default.</summary>
    [JsonPropertyName("runner")]
    public string? Runner { get; set; }

    /// <summary>How answers are sent (<c>voiceReplyMode</c>, as the original named it): text, audio (spoken by the tts runner) or both; null is text.</summary>
    [JsonPropertyName("voiceReplyMode")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VoiceReply { get; set; }

    /// <summary>Whether the answer to a voice note starts with the words msgcode heard (its transcript).</summary>
    [JsonPropertyName("showTranscript")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? ShowTranscript { get; set; }

    [JsonPropertyName("status")]
    public string Status { get; set; } = RouteStatuses.Active;

    [JsonPropertyName("createdAt")]
    public DateTimeOffset CreatedAt { get; set; }

    [JsonPropertyName("updatedAt")]
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Whether the workspace folder exists now.</summary>
    [JsonIgnore]
    public bool WorkspaceExists => Directory.Exists(Workspace);

    public override string ToString() => $"{ChatGuid} -> {Workspace} [{Status}]";
}
