using System.Management.Automation;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Service;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>Builds the service definition for this pwsh and module, and the manager for this user.</summary>
internal static class ServiceSupport
{
    public static ServiceManager Manager(string? manager)
    {
        var environment = Core.Config.ConfigSources.SnapshotEnvironment();
        return new ServiceManager(manager ?? ServiceManagers.ForThisPlatform(), MsgcodeHome.UserHome(), environment);
    }

    /// <summary>The daemon's launcher for this user: through the installed service when there is one, detached otherwise.</summary>
    public static DaemonLauncher Launcher(PSCmdlet cmdlet, MsgcodeHome home, string? manager = null) => new(home, Manager(manager), HostCommand.Daemon(cmdlet, DaemonModes.Detached));

    public static ServiceDefinition Definition(PSCmdlet cmdlet, string manager)
    {
        var environment = Core.Config.ConfigSources.SnapshotEnvironment();
        var home = MsgcodeHome.Resolve(environment);
        var config = ConfigResolver.Resolve(new Core.Config.ConfigSources(home, null, environment));
        var mode = manager == ServiceManagers.Launchd ? DaemonModes.Launchd : DaemonModes.Systemd;
        var exe = Path.GetFullPath(HostCommand.PwshExecutable(cmdlet, out var prefix));
        var moduleBase = Path.GetDirectoryName(HostCommand.ModuleManifest(cmdlet))!;
        var launcher = LauncherScript.Detect(exe, prefix.Count > 0 ? Path.GetFullPath(prefix[0]) : null, Path.GetFullPath(HostCommand.ModuleManifest(cmdlet)),
            [cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath, Environment.CurrentDirectory, moduleBase]);
        var path = string.Join(Path.PathSeparator, (environment.GetValueOrDefault("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(d => Path.IsPathRooted(d) && Directory.Exists(d) && !d.Contains('$'))
            .Distinct(StringComparer.Ordinal));
        return new ServiceDefinition
        {
            Launcher = launcher,
            Mode = mode,
            Home = home,
            PathVariable = path.Length > 0 ? path : "/usr/bin:/bin:/usr/sbin:/sbin",
            UserHome = MsgcodeHome.UserHome(),
            StopTimeoutSec = (int)config.GetInt64("daemon.stopTimeoutSec"),
            ExplicitHome = !string.IsNullOrWhiteSpace(environment.GetValueOrDefault(MsgcodeHome.HomeVariable)),
        };
    }

    /// <summary>Says how a stop went (the same words for Stop- and Restart- of the daemon and of the service).</summary>
    public static void ReportStop(PSCmdlet cmdlet, DaemonStopResult result, int timeoutSec)
    {
        switch (result.Outcome)
        {
            case DaemonStopOutcomes.NotRunning:
                cmdlet.WriteVerbose("The msgcode daemon is not running.");
                break;
            case DaemonStopOutcomes.Killed:
                cmdlet.WriteWarning($"The msgcode daemon (PID {result.Pid}) did not stop within {timeoutSec} s and was killed.");
                break;
            default:
                cmdlet.WriteVerbose($"The msgcode daemon (PID {result.Pid}) stopped in {result.ElapsedSeconds:0.0} s.");
                break;
        }
    }
}
