namespace Msgcode.Core.Runners;

/// <summary>How a runner's run ended (<see cref="RunnerResult.Status"/>).</summary>
public static class RunStatuses
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Canceled = "canceled";
    public const string TimedOut = "timedOut";
}
