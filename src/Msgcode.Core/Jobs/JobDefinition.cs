using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msgcode.Core.Jobs;

/// <summary>One scheduled job: when (schedule), what (action), what after a downtime (missed-run policy), and its state.</summary>
public sealed class JobDefinition
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = string.Empty;

    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("enabled")]
    public bool Enabled { get; set; } = true;

    [JsonPropertyName("schedule")]
    public JobSchedule Schedule { get; set; } = new();

    [JsonPropertyName("action")]
    public JobAction Action { get; set; } = new();

    [JsonPropertyName("delivery")]
    public JobDelivery Delivery { get; set; } = new();

    [JsonPropertyName("missedRunPolicy")]
    public JobMissedRunPolicy MissedRunPolicy { get; set; } = new();

    [JsonPropertyName("state")]
    public JobState State { get; set; } = new();

    [JsonPropertyName("createdAtMs")]
    public long CreatedAtMs { get; set; }

    [JsonPropertyName("updatedAtMs")]
    public long UpdatedAtMs { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
