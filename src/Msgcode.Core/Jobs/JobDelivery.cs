using System.Text.Json;
using System.Text.Json.Serialization;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Jobs;

/// <summary>
/// Where a firing's result goes: nowhere (<c>none</c>), or to a bound chat (<c>chat</c>, with its GUID), every
/// result or only failures (<see cref="On"/>). The daemon sends it through the chat channel, exactly once.
/// </summary>
public sealed class JobDelivery
{
    public const string None = "none";
    public const string Chat = "chat";

    [JsonPropertyName("mode")]
    public string Mode { get; set; } = None;

    [JsonPropertyName("chatGuid")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ChatGuid { get; set; }

    /// <summary><c>answer</c> (every result, the default) or <c>failure</c> (only results that are not a success).</summary>
    [JsonPropertyName("on")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? On { get; set; }

    /// <summary>Fields this version does not know are kept as they are.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>Delivery to a chat (its GUID as routes.json has it).</summary>
    public static JobDelivery ToChat(string chatGuid, string? on) => new() { Mode = Chat, ChatGuid = chatGuid, On = on ?? TaskDelivery.OnAnswer };

    public override string ToString() => Mode == Chat ? $"chat {ChatGuid} ({On ?? TaskDelivery.OnAnswer})" : Mode;
}
