using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msgcode.Core.Jobs;

public sealed class JobMissedRunPolicy
{
    public const int DefaultMax = 10;
    public const int Limit = 1000;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = MissedRunPolicies.RunOnce;

    /// <summary>For run-all: the most runs one catch-up starts.</summary>
    [JsonPropertyName("max")]
    public int Max { get; set; } = DefaultMax;

    /// <summary>Fields this version does not know are kept as they are.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
