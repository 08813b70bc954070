namespace Msgcode.Core.Jobs;

/// <summary>A job as Get-MsgcodeJob shows it: its definition with its next and last run.</summary>
public sealed class JobInfo
{
    /// <param name="missedRunPolicySetting">jobs.missedRunPolicy now: the policy shown for a job that names none.</param>
    public JobInfo(JobDefinition definition, string path, string missedRunPolicySetting = MissedRunPolicies.RunOnce)
    {
        Definition = definition;
        Path = path;
        _missedRunPolicySetting = missedRunPolicySetting;
    }

    private readonly string _missedRunPolicySetting;

    /// <summary>
    /// The stored object (jobs.json). Internal: every field people use has its own property, and a public nested
    /// object would be what ConvertTo-Json and Format-List show of a job.
    /// </summary>
    internal JobDefinition Definition { get; }

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

    /// <summary>
    /// The interval of an every-schedule as a TimeSpan string (00:05:00, 1.00:00:00): it reads well in JSON and CSV, and
    /// binds to New-MsgcodeJob -Every when a job is piped or imported into a copy.
    /// </summary>
    public string? Every => Definition.Schedule.EveryMs is long e ? TimeSpan.FromMilliseconds(e).ToString("c", System.Globalization.CultureInfo.InvariantCulture) : null;

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

    /// <summary>The policy in force: the job's own, or jobs.missedRunPolicy (see <see cref="MissedRunPolicySource"/>).</summary>
    public string MissedRunPolicy => Definition.MissedRunPolicy.EffectiveKind(_missedRunPolicySetting);

    /// <summary>Job (set with -MissedRunPolicy) or jobs.missedRunPolicy (the setting, read again at each catch-up).</summary>
    public string MissedRunPolicySource => Definition.MissedRunPolicy.Kind is null ? "jobs.missedRunPolicy" : "Job";

    public int MaxMissedRuns => Definition.MissedRunPolicy.Max;

    /// <summary>none or chat.</summary>
    public string Delivery => Definition.Delivery.Mode;

    /// <summary>The chat (GUID) the results go to, or null (named as New-MsgcodeJob's parameter, so a job piped into it keeps its delivery).</summary>
    public string? DeliverTo => Definition.Delivery.Mode == JobDelivery.Chat ? Definition.Delivery.ChatGuid : null;

    /// <summary>answer (every result) or failure (only failures), when the job delivers to a chat.</summary>
    public string? DeliverOn => Definition.Delivery.Mode == JobDelivery.Chat ? Definition.Delivery.On ?? Tasks.TaskDelivery.OnAnswer : null;

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
