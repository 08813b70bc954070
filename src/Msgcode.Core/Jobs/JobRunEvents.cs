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
