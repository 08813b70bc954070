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
    public static DaemonLauncher Launcher(PSCmdlet cmdlet, MsgcodeHome home) => new(home, Manager(null), HostCommand.Daemon(cmdlet, DaemonModes.Detached));

    public static ServiceDefinition Definition(PSCmdlet cmdlet, string manager)
    {
        var environment = Core.Config.ConfigSources.SnapshotEnvironment();
        var home = MsgcodeHome.Resolve(environment);
        var config = ConfigResolver.Resolve(new Core.Config.ConfigSources(home, null, environment));
        var mode = manager == ServiceManagers.Launchd ? DaemonModes.Launchd : DaemonModes.Systemd;
        var command = HostCommand.Daemon(cmdlet, mode);
        var path = string.Join(Path.PathSeparator, (environment.GetValueOrDefault("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(d => Path.IsPathRooted(d) && Directory.Exists(d) && !d.Contains('$'))
            .Distinct(StringComparer.Ordinal));
        return new ServiceDefinition
        {
            Program = Path.GetFullPath(command.FileName),
            Arguments = command.Arguments,
            Home = home,
            PathVariable = path.Length > 0 ? path : "/usr/bin:/bin:/usr/sbin:/sbin",
            UserHome = MsgcodeHome.UserHome(),
            StopTimeoutSec = (int)config.GetInt64("daemon.stopTimeoutSec"),
            ExplicitHome = !string.IsNullOrWhiteSpace(environment.GetValueOrDefault(MsgcodeHome.HomeVariable)),
        };
    }
}
