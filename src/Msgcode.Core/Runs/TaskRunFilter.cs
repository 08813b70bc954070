namespace Msgcode.Core.Runs;

/// <summary>
/// Which runs Get-MsgcodeTaskRun lists: of one task, in some statuses, by some runners, started since a moment.
/// Applied while the ledger is read from its end, so -Last counts the runs that match, not the runs read.
/// </summary>
public sealed record TaskRunFilter
{
    public string? TaskId { get; init; }

    /// <summary>Any of these statuses (running, succeeded, failed, ...); null or empty: any status.</summary>
    public IReadOnlyCollection<string>? Statuses { get; init; }

    /// <summary>Any of these runner kinds (case-insensitive); null or empty: any runner.</summary>
    public IReadOnlyCollection<string>? Runners { get; init; }

    /// <summary>Started at or after this moment (a queued run, not started yet, counts from when it was queued: it is kept).</summary>
    public DateTimeOffset? Since { get; init; }

    public bool Matches(TaskRunInfo run)
        => (TaskId is null || run.TaskId == TaskId)
           && (Statuses is not { Count: > 0 } || Statuses.Contains(run.Status, StringComparer.OrdinalIgnoreCase))
           && (Runners is not { Count: > 0 } || Runners.Contains(run.Runner, StringComparer.OrdinalIgnoreCase))
           && (Since is not { } since || run.StartedAt is null || run.StartedAt >= since);
}
