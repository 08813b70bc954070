using System.Text.Json.Serialization;

namespace Msgcode.Core.Jobs;

public static class JobRunEvents
{
    /// <summary>An occurrence fired: recorded (fsynced) before its work is queued, so its key is never fired again.</summary>
    public const string Fired = "fired";

    /// <summary>Its task exists (created, or reopened): recorded before the run is queued.</summary>
    public const string Prepared = "prepared";

    /// <summary>Its work is in the daemon's queue: the task and run ids.</summary>
    public const string Queued = "queued";

    public const string Finished = "finished";
    public const string Failed = "failed";
    public const string Interrupted = "interrupted";
    public const string Canceled = "canceled";

    /// <summary>Occurrences missed while the daemon was down, not run (by the missed-run policy).</summary>
    public const string Skipped = "skipped";

    public static bool IsOutcome(string evt) => evt is Finished or Failed or Interrupted or Canceled;
}

public static class JobTriggers
{
    public const string Schedule = "schedule";
    public const string CatchUp = "catch-up";
    public const string Manual = "manual";
}

/// <summary>One line of <c>&lt;home&gt;/jobs/runs.jsonl</c>. Never a prompt or an output: those stay with the task.</summary>
public sealed class JobRunRecord
{
    [JsonPropertyName("tsMs")]
    public long TsMs { get; set; }

    [JsonPropertyName("jobId")]
    public string JobId { get; set; } = string.Empty;

    /// <summary>The idempotency key of a firing: <c>&lt;jobId&gt;@&lt;occurrence ms&gt;</c>, or <c>&lt;jobId&gt;@manual:&lt;request ms&gt;</c>.</summary>
    [JsonPropertyName("key")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Key { get; set; }

    [JsonPropertyName("event")]
    public string Event { get; set; } = string.Empty;

    [JsonPropertyName("trigger")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Trigger { get; set; }

    [JsonPropertyName("scheduledAtMs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ScheduledAtMs { get; set; }

    [JsonPropertyName("workspace")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Workspace { get; set; }

    [JsonPropertyName("taskId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TaskId { get; set; }

    [JsonPropertyName("runId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RunId { get; set; }

    [JsonPropertyName("status")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Status { get; set; }

    [JsonPropertyName("errorCode")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ErrorCode { get; set; }

    [JsonPropertyName("errorMessage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ErrorMessage { get; set; }

    /// <summary>Skipped records: how many occurrences, the first and the last.</summary>
    [JsonPropertyName("count")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Count { get; set; }

    [JsonPropertyName("firstAtMs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? FirstAtMs { get; set; }

    [JsonPropertyName("lastAtMs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? LastAtMs { get; set; }
}

/// <summary>A firing of a job as Get-MsgcodeJobRun shows it: its fired record joined with what became of it.</summary>
public sealed class JobRunInfo
{
    public required string JobId { get; init; }

    public string? Key { get; init; }

    /// <summary>schedule, catch-up or manual (empty for skipped occurrences).</summary>
    public string? Trigger { get; init; }

    /// <summary>queued, succeeded, failed, interrupted, canceled or skipped.</summary>
    public required string Status { get; init; }

    public DateTimeOffset? ScheduledAt { get; init; }

    public DateTimeOffset FiredAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public string? Workspace { get; init; }

    public string? TaskId { get; init; }

    public string? RunId { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>For skipped records: how many occurrences were skipped.</summary>
    public long? SkippedCount { get; init; }

    public override string ToString() => $"{JobId} {Key} {Status}";

    /// <summary>Joins records (oldest first) into firings, newest first.</summary>
    public static List<JobRunInfo> Join(IReadOnlyList<JobRunRecord> records)
    {
        var byKey = new Dictionary<string, List<JobRunRecord>>(StringComparer.Ordinal);
        var order = new List<(string? Key, JobRunRecord Record)>();
        foreach (var record in records)
        {
            if (record.Event == JobRunEvents.Skipped || record.Key is null)
            {
                order.Add((null, record));
                continue;
            }

            if (!byKey.TryGetValue(record.Key, out var list))
            {
                list = [];
                byKey[record.Key] = list;
                order.Add((record.Key, record));
            }

            list.Add(record);
        }

        var result = new List<JobRunInfo>(order.Count);
        foreach (var (key, first) in order)
        {
            if (key is null)
            {
                if (first.Event == JobRunEvents.Skipped)
                {
                    result.Add(new JobRunInfo
                    {
                        JobId = first.JobId, Status = JobStatuses.Skipped, FiredAt = At(first.TsMs), ScheduledAt = first.LastAtMs is long l ? At(l) : null,
                        SkippedCount = first.Count, ErrorCode = first.ErrorCode, ErrorMessage = first.ErrorMessage, Trigger = first.Trigger,
                    });
                }

                continue;
            }

            var all = byKey[key];
            var fired = all.FirstOrDefault(r => r.Event == JobRunEvents.Fired) ?? first;
            var queued = all.LastOrDefault(r => r.Event == JobRunEvents.Queued) ?? all.LastOrDefault(r => r.Event == JobRunEvents.Prepared);
            var outcome = all.LastOrDefault(r => JobRunEvents.IsOutcome(r.Event));
            result.Add(new JobRunInfo
            {
                JobId = fired.JobId,
                Key = key,
                Trigger = fired.Trigger,
                Status = outcome is null ? (queued?.Event == JobRunEvents.Queued ? JobStatuses.Queued : JobStatuses.Pending) : outcome.Status ?? outcome.Event,
                ScheduledAt = fired.ScheduledAtMs is long s ? At(s) : null,
                FiredAt = At(fired.TsMs),
                EndedAt = outcome is null ? null : At(outcome.TsMs),
                Workspace = queued?.Workspace ?? fired.Workspace,
                TaskId = outcome?.TaskId ?? queued?.TaskId,  // queued, or else prepared
                RunId = outcome?.RunId ?? queued?.RunId,
                ErrorCode = outcome?.ErrorCode,
                ErrorMessage = outcome?.ErrorMessage,
            });
        }

        result.Reverse();
        return result;
    }

    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToLocalTime();
}

/// <summary>A job as Get-MsgcodeJob shows it: its definition with its next and last run.</summary>
public sealed class JobInfo
{
    public JobInfo(JobDefinition definition, string path)
    {
        Definition = definition;
        Path = path;
    }

    /// <summary>The stored object (jobs.json), for scripts that want every field.</summary>
    public JobDefinition Definition { get; }

    /// <summary>The jobs file the job is stored in.</summary>
    public string Path { get; }

    public string Id => Definition.Id;

    public string Name => Definition.Name;

    public bool Enabled => Definition.Enabled;

    /// <summary>cron, every or at.</summary>
    public string ScheduleKind => Definition.Schedule.Kind;

    public string Schedule => Definition.Schedule.ToString();

    public string? Cron => Definition.Schedule.Expr;

    public string? TimeZone => Definition.Schedule.Tz;

    public TimeSpan? Every => Definition.Schedule.EveryMs is long e ? TimeSpan.FromMilliseconds(e) : null;

    public DateTimeOffset? Anchor => Local(Definition.Schedule.AnchorMs);

    public DateTimeOffset? At => Local(Definition.Schedule.AtMs);

    /// <summary>newTask or runTask.</summary>
    public string Action => Definition.Action.Kind;

    public string Workspace => Definition.Action.Workspace;

    public string? Title => Definition.Action.Title;

    public string? Prompt => Definition.Action.Prompt;

    public string? Runner => Definition.Action.Runner;

    public string? Model => Definition.Action.Model;

    public string? TaskId => Definition.Action.TaskId;

    public string MissedRunPolicy => Definition.MissedRunPolicy.Kind;

    public int MaxMissedRuns => Definition.MissedRunPolicy.Max;

    public string Delivery => Definition.Delivery.Mode;

    public DateTimeOffset? NextRunAt => Definition.Enabled ? Local(Definition.State.NextRunAtMs) : null;

    public DateTimeOffset? LastRunAt => Local(Definition.State.LastRunAtMs);

    public string LastStatus => Definition.State.LastStatus;

    public string? LastErrorCode => Definition.State.LastErrorCode;

    public DateTimeOffset? RunningSince => Local(Definition.State.RunningSince);

    public string? LastTaskId => Definition.State.LastTaskId;

    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeMilliseconds(Definition.CreatedAtMs).ToLocalTime();

    public DateTimeOffset UpdatedAt => DateTimeOffset.FromUnixTimeMilliseconds(Definition.UpdatedAtMs).ToLocalTime();

    public override string ToString() => $"{Id} {Name} ({Schedule})";

    private static DateTimeOffset? Local(long? ms) => ms is long v ? DateTimeOffset.FromUnixTimeMilliseconds(v).ToLocalTime() : null;
}
