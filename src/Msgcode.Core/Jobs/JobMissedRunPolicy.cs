using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msgcode.Core.Jobs;

/// <summary>
/// What a job does about occurrences missed while the daemon was down. A job that names no <see cref="Kind"/> follows
/// the user's jobs.missedRunPolicy, read by the scheduler when a catch-up happens (not copied when the job is made),
/// so changing the setting changes every job that did not choose for itself.
/// </summary>
public sealed class JobMissedRunPolicy
{
    public const int DefaultMax = 10;
    public const int Limit = 1000;

    /// <summary>skip, run-once or run-all; null: the job follows jobs.missedRunPolicy.</summary>
    [JsonPropertyName("kind")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Kind { get; set; }

    /// <summary>For run-all: the most runs one catch-up starts.</summary>
    [JsonPropertyName("max")]
    public int Max { get; set; } = DefaultMax;

    /// <summary>Fields this version does not know are kept as they are.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>The kind in force: the job's own, else <paramref name="setting"/> (jobs.missedRunPolicy).</summary>
    public string EffectiveKind(string setting) => Kind ?? setting;
}
