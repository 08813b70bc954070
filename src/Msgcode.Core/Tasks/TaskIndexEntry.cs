using System.Text.Json.Serialization;

namespace Msgcode.Core.Tasks;

/// <summary>One row of <c>index.json</c>, with the file stamps that tell whether it is still current.</summary>
public sealed class TaskIndexEntry
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = string.Empty;

    [JsonPropertyName("title")]
    public string Title { get; set; } = string.Empty;

    [JsonPropertyName("status")]
    public string Status { get; set; } = string.Empty;

    [JsonPropertyName("runnerKind")]
    public string RunnerKind { get; set; } = string.Empty;

    [JsonPropertyName("createdAtMs")]
    public long CreatedAtMs { get; set; }

    [JsonPropertyName("updatedAtMs")]
    public long UpdatedAtMs { get; set; }

    /// <summary>"ticks:size" of the .json when this row was made.</summary>
    [JsonPropertyName("jsonStamp")]
    public string JsonStamp { get; set; } = string.Empty;

    /// <summary>"ticks:size" of the .md, or empty when there was none.</summary>
    [JsonPropertyName("mdStamp")]
    public string MdStamp { get; set; } = string.Empty;

    /// <summary>Set for a task file that could not be read: why (the row keeps it from being re-read until it changes).</summary>
    [JsonPropertyName("error")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; set; }
}
