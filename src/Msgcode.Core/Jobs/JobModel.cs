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

public static class JobScheduleKinds
{
    public const string Cron = "cron";
    public const string Every = "every";
    public const string At = "at";
}

/// <summary>
/// <c>{kind:"cron", expr, tz}</c> (the time zone is required: an IANA id, so a change of the machine's zone
/// never shifts a job), <c>{kind:"every", everyMs, anchorMs}</c> (occurrences at anchor + k × every), or
/// <c>{kind:"at", atMs}</c> (one instant).
/// </summary>
public sealed class JobSchedule
{
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = JobScheduleKinds.Cron;

    [JsonPropertyName("expr")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Expr { get; set; }

    [JsonPropertyName("tz")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Tz { get; set; }

    [JsonPropertyName("everyMs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? EveryMs { get; set; }

    [JsonPropertyName("anchorMs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AnchorMs { get; set; }

    [JsonPropertyName("atMs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AtMs { get; set; }

    public static JobSchedule Cron(string expr, string tz) => new() { Kind = JobScheduleKinds.Cron, Expr = expr, Tz = tz };

    public static JobSchedule Every(TimeSpan every, DateTimeOffset anchor) => new() { Kind = JobScheduleKinds.Every, EveryMs = (long)every.TotalMilliseconds, AnchorMs = anchor.ToUnixTimeMilliseconds() };

    public static JobSchedule At(DateTimeOffset at) => new() { Kind = JobScheduleKinds.At, AtMs = at.ToUnixTimeMilliseconds() };

    /// <summary>One line for people: <c>cron '0 9 * * 1-5' Asia/Shanghai</c>, <c>every 00:05:00</c>, <c>at 2026-...</c>.</summary>
    public override string ToString() => Kind switch
    {
        JobScheduleKinds.Cron => $"cron '{Expr}' {Tz}",
        JobScheduleKinds.Every => $"every {TimeSpan.FromMilliseconds(EveryMs ?? 0)}",
        JobScheduleKinds.At => $"at {DateTimeOffset.FromUnixTimeMilliseconds(AtMs ?? 0):yyyy-MM-dd HH:mm:ss}Z",
        _ => Kind,
    };

    public string Fingerprint() => $"{Kind}|{Expr}|{Tz}|{EveryMs}|{AnchorMs}|{AtMs}";

    /// <summary>Fields this version does not know are kept as they are.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public static class JobActionKinds
{
    /// <summary>Create a task from the template, then run it.</summary>
    public const string NewTask = "newTask";

    /// <summary>Run an existing task again.</summary>
    public const string RunTask = "runTask";
}

/// <summary>What a firing does: create a task from a template and run it, or run an existing task again.</summary>
public sealed class JobAction
{
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = JobActionKinds.NewTask;

    [JsonPropertyName("workspace")]
    public string Workspace { get; set; } = string.Empty;

    [JsonPropertyName("title")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Title { get; set; }

    [JsonPropertyName("prompt")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Prompt { get; set; }

    [JsonPropertyName("runner")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Runner { get; set; }

    [JsonPropertyName("model")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; set; }

    [JsonPropertyName("taskId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TaskId { get; set; }

    /// <summary>Fields this version does not know are kept as they are.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>Where a run's result goes. Only <c>none</c> exists until the message channel does (then: reply to a bound chat).</summary>
public sealed class JobDelivery
{
    [JsonPropertyName("mode")]
    public string Mode { get; set; } = "none";

    [JsonPropertyName("chatGuid")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ChatGuid { get; set; }

    /// <summary>Fields this version does not know are kept as they are.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public static class MissedRunPolicies
{
    /// <summary>Occurrences missed while the daemon was down are recorded as skipped; the job waits for its next one.</summary>
    public const string Skip = "skip";

    /// <summary>One run for all the missed occurrences (the latest), the rest recorded as skipped. The default.</summary>
    public const string RunOnce = "run-once";

    /// <summary>Every missed occurrence runs, oldest first, at most <c>max</c> of them (the latest ones); the rest are skipped.</summary>
    public const string RunAll = "run-all";

    public static readonly IReadOnlyList<string> All = [Skip, RunOnce, RunAll];
}

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

public static class JobStatuses
{
    public const string Pending = "pending";
    public const string Queued = "queued";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
    public const string Interrupted = "interrupted";
}

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
