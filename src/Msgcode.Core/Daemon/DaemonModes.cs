namespace Msgcode.Core.Daemon;

/// <summary>How the daemon was started.</summary>
public static class DaemonModes
{
    public const string Foreground = "foreground";
    public const string Detached = "detached";
    public const string Launchd = "launchd";
    public const string Systemd = "systemd";

    public static readonly IReadOnlyList<string> All = [Foreground, Detached, Launchd, Systemd];
}
