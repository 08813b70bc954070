using Msgcode.Core.Config;
using Msgcode.Core.Service;

namespace Msgcode.Core.Daemon;

/// <summary>
/// The one place that decides how the daemon starts, stops and restarts: through the installed per-user service
/// when there is one (so its supervisor knows and restarts it), detached otherwise. Start-, Stop- and
/// Restart-MsgcodeDaemon and Install-MsgcodeService use it.
/// </summary>
public sealed class DaemonLauncher
{
    private readonly ServiceManager _service;
    private readonly DaemonCommand _detached;

    /// <param name="detached">The command that runs the daemon detached (a fresh pwsh with the module).</param>
    public DaemonLauncher(MsgcodeHome home, ServiceManager service, DaemonCommand detached)
    {
        Controller = new DaemonController(home);
        _service = service;
        _detached = detached;
    }

    public DaemonController Controller { get; }

    /// <summary>A service unit of this user's service manager is installed: it owns the daemon.</summary>
    public bool ServiceInstalled => _service.Manager != ServiceManagers.None && File.Exists(_service.UnitPath);

    /// <summary>Starts the daemon unless it runs; waits up to <paramref name="timeout"/> until it answers.</summary>
    public DaemonStart Start(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!ServiceInstalled)
        {
            var (info, alreadyRunning) = Controller.StartDetached(_detached, timeout, cancellationToken);
            return new DaemonStart(info, alreadyRunning, null);
        }

        var current = Controller.GetStatus(queryEndpoint: false, cancellationToken);
        if (!current.Running)
        {
            _service.Start(restart: false);
            Controller.WaitUntilRunning(timeout, cancellationToken);
        }

        return new DaemonStart(Controller.GetStatus(queryEndpoint: true, cancellationToken), current.Running, _service.Manager);
    }

    /// <summary>Stops the daemon gracefully (SIGTERM, its drain, SIGKILL after <paramref name="timeout"/>), however it was started.</summary>
    public DaemonStopResult Stop(TimeSpan timeout, CancellationToken cancellationToken = default) => Controller.Stop(timeout, cancellationToken);

    /// <summary>Stops the daemon, then starts it the way <see cref="Start"/> does (through the service when one is installed).</summary>
    public (DaemonStopResult Stopped, DaemonStart Started) Restart(TimeSpan stopTimeout, TimeSpan startTimeout, CancellationToken cancellationToken = default)
    {
        var stopped = Stop(stopTimeout, cancellationToken);
        return (stopped, Start(startTimeout, cancellationToken));
    }

    /// <summary>
    /// Installs (or updates) the service and starts it there. A detached daemon is stopped first: the service's
    /// daemon would otherwise fail with "already running". Returns what changed and the detached daemon's PID, if one was stopped.
    /// </summary>
    public (ServiceChange Change, int? StoppedDetached) Install(ServiceDefinition definition, CancellationToken cancellationToken = default)
    {
        int? stopped = null;
        var status = Controller.GetStatus(queryEndpoint: false, cancellationToken);
        if (status.Running && status.Mode == DaemonModes.Detached)
        {
            stopped = status.Pid;
            Controller.Stop(TimeSpan.FromSeconds(definition.StopTimeoutSec + 5), cancellationToken);
        }

        return (_service.Install(definition), stopped);
    }
}
