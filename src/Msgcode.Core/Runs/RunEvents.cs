namespace Msgcode.Core.Runs;

public static class RunEvents
{
    public const string Started = "started";
    public const string Finished = "finished";
    public const string Failed = "failed";
    public const string Interrupted = "interrupted";
    public const string Canceled = "canceled";
    public const string Queued = "queued";

    public static bool IsTerminal(string evt) => evt is Finished or Failed or Interrupted or Canceled;
}
