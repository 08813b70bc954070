using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msgcode.Core.Jobs;

/// <summary><c>&lt;home&gt;/jobs.json</c>: <c>{ "version": 1, "jobs": [...] }</c>.</summary>
public sealed class JobsFile
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("version")]
    public int Version { get; set; } = CurrentVersion;

    [JsonPropertyName("jobs")]
    public List<JobDefinition> Jobs { get; set; } = [];

    /// <summary>Fields this version does not know are kept as they are.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
