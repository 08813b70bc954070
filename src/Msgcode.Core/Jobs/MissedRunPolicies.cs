namespace Msgcode.Core.Jobs;

public static class MissedRunPolicies
{
    /// <summary>Occurrences missed while the daemon was down are recorded as skipped; the job waits for its next one.</summary>
    public const string Skip = "skip";

    /// <summary>One run for all the missed occurrences (the latest), the rest recorded as skipped. The default of jobs.missedRunPolicy.</summary>
    public const string RunOnce = "run-once";

    /// <summary>Every missed occurrence runs, oldest first, at most <c>max</c> of them (the latest ones); the rest are skipped.</summary>
    public const string RunAll = "run-all";

    /// <summary>Not a policy: what Set-MsgcodeJob -MissedRunPolicy takes to make a job follow jobs.missedRunPolicy again.</summary>
    public const string Default = "default";

    public static readonly IReadOnlyList<string> All = [Skip, RunOnce, RunAll];
}
