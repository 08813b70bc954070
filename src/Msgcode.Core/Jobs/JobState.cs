using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msgcode.Core.Jobs;

/// <summary>What the scheduler knows of a job. Written by the daemon (and reset by cmdlets when the schedule changes).</summary>
public sealed class JobState
{
    /// <summary>The next occurrence that has not fired: the scheduler's cursor. Null: nothing more to run (an <c>at</c> that ran).</summary>
    [JsonPropertyName("nextRunAtMs")]
    public long? NextRunAtMs { get; set; }

    [JsonPropertyName("lastRunAtMs")]
    public long? LastRunAtMs { get; set; }

    [JsonPropertyName("lastStatus")]
    public string LastStatus { get; set; } = JobStatuses.Pending;

    [JsonPropertyName("lastErrorCode")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LastErrorCode { get; set; }

    /// <summary>Since when the current run has been in progress (queued or running); null when idle.</summary>
    [JsonPropertyName("runningSince")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? RunningSince { get; set; }

    [JsonPropertyName("lastTaskId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LastTaskId { get; set; }

    /// <summary>Set by Start-MsgcodeJob: run once now. The firing's key carries this instant, so it fires once.</summary>
    [JsonPropertyName("runRequestedAtMs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? RunRequestedAtMs { get; set; }

    /// <summary>Fields this version does not know are kept as they are.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
