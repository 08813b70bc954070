using System.Text.Json.Serialization;

namespace Msgcode.Core.Runs;

/// <summary>
/// One line of <c>tasks/runs.jsonl</c>. Never the prompt or the output itself: their length and a SHA-256
/// prefix, plus a short redacted preview of the output.
/// </summary>
public sealed class RunRecord
{
    [JsonPropertyName("tsMs")]
    public long TsMs { get; set; }

    [JsonPropertyName("runId")]
    public string RunId { get; set; } = string.Empty;

    [JsonPropertyName("taskId")]
    public string TaskId { get; set; } = string.Empty;

    [JsonPropertyName("event")]
    public string Event { get; set; } = string.Empty;

    [JsonPropertyName("runnerKind")]
    public string RunnerKind { get; set; } = string.Empty;

    [JsonPropertyName("status")]
    public string Status { get; set; } = string.Empty;

    [JsonPropertyName("errorCode")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ErrorCode { get; set; }

    [JsonPropertyName("errorMessage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ErrorMessage { get; set; }

    [JsonPropertyName("durationMs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? DurationMs { get; set; }

    [JsonPropertyName("artifacts")]
    public List<string> Artifacts { get; set; } = [];

    [JsonPropertyName("preview")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Preview { get; set; }

    [JsonPropertyName("promptLen")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? PromptLength { get; set; }

    [JsonPropertyName("promptSha")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PromptSha { get; set; }

    [JsonPropertyName("outputLen")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? OutputLength { get; set; }

    [JsonPropertyName("outputSha")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OutputSha { get; set; }

    /// <summary>The patch a worktree run wrote (relative to the workspace).</summary>
    [JsonPropertyName("patch")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Patch { get; set; }

    /// <summary>The commit a worktree run started from.</summary>
    [JsonPropertyName("baseCommit")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? BaseCommit { get; set; }

    /// <summary>The process that runs it (started records): with its start ticks, tells a live run from an interrupted one.</summary>
    [JsonPropertyName("pid")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Pid { get; set; }

    /// <summary>Linux start ticks of <see cref="Pid"/> (started records): tells the live process that wrote it from a reused PID.</summary>
    [JsonPropertyName("pidStartTicks")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? PidStartTicks { get; set; }

    [JsonPropertyName("host")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Host { get; set; }

    /// <summary>Model, tokens, cost and turns of the run (outcome records), as its runner reported them.</summary>
    [JsonPropertyName("usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RunUsage? Usage { get; set; }

    /// <summary>The agent session the run used (outcome records): what -Continue resumes.</summary>
    [JsonPropertyName("sessionId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SessionId { get; set; }
}
