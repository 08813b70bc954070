namespace Msgcode.Core.Jobs;

public static class JobStatuses
{
    public const string Pending = "pending";
    public const string Queued = "queued";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
    public const string Interrupted = "interrupted";
}
