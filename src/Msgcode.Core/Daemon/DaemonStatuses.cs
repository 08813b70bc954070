namespace Msgcode.Core.Daemon;

/// <summary>
/// The states of the daemon: the first three are what the live daemon writes to its status file
/// (<see cref="DaemonStatusRecord.State"/>) and reports on its endpoint; <see cref="DaemonController.GetStatus"/>
/// adds the two "not running" ones (<see cref="DaemonInfo.Status"/>).
/// </summary>
public static class DaemonStatuses
{
    public const string Starting = "starting";
    public const string Running = "running";
    public const string Stopping = "stopping";
    public const string NotRunning = "not running";

    /// <summary>Not running, and a status file or pidfile left behind says it crashed.</summary>
    public const string NotRunningStalePidfile = "not running (stale pidfile)";
}
