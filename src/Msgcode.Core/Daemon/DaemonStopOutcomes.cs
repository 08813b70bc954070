namespace Msgcode.Core.Daemon;

/// <summary>How a stop request ended (<see cref="DaemonStopResult.Outcome"/>).</summary>
public static class DaemonStopOutcomes
{
    /// <summary>The daemon drained and exited within the timeout.</summary>
    public const string Stopped = "stopped";

    /// <summary>The daemon did not exit within the timeout and was sent SIGKILL.</summary>
    public const string Killed = "killed";

    /// <summary>There was no daemon to stop.</summary>
    public const string NotRunning = "not running";
}
