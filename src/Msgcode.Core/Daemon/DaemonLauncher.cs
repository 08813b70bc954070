using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Service;

namespace Msgcode.Core.Daemon;

/// <summary>
/// The one place that decides how the daemon starts, stops and restarts. The rule: when this user's service is
/// installed (a systemd user unit, a launchd agent), its supervisor owns the daemon, and start, stop and restart go
/// through it (systemctl --user start|stop|restart, launchctl kickstart [-k] / bootout), so a stop is not undone by
/// a restart-on-failure and a restart keeps the service's mode. Without one, the daemon runs detached and is
/// signalled directly. Start-, Stop-, Restart-MsgcodeDaemon, the *-MsgcodeService cmdlets and Install-MsgcodeService use it.
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

    /// <summary>The daemon's mode when its service runs it (systemd or launchd).</summary>
    private string ServiceMode => _service.Manager == ServiceManagers.Launchd ? DaemonModes.Launchd : DaemonModes.Systemd;

    /// <summary>For the *-MsgcodeService cmdlets: they act on the service only, never on a detached daemon.</summary>
    public void RequireService()
    {
        _service.RequireManager();
        if (!ServiceInstalled)
        {
            throw new MsgcodeException(ErrorIds.ServiceNotInstalled, MsgcodeErrorCategory.ObjectNotFound, _service.UnitPath,
                $"The msgcode {_service.Manager} service is not installed ('{_service.UnitPath}' does not exist). Install it with Install-MsgcodeService, or run the daemon detached with Start-MsgcodeDaemon.");
        }
    }

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

    /// <summary>
    /// Stops the daemon gracefully, however it was started: through the service when one is installed (so its
    /// supervisor does not bring it back), then SIGTERM (drain, SIGKILL after <paramref name="timeout"/>) to any
    /// daemon still running, such as a detached one.
    /// </summary>
    public DaemonStopResult Stop(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!ServiceInstalled)
        {
            return Controller.Stop(timeout, cancellationToken);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var before = Controller.GetStatus(queryEndpoint: false, cancellationToken);
        _service.Stop();
        var rest = Controller.Stop(timeout, cancellationToken);
        if (rest.Outcome == DaemonStopOutcomes.NotRunning && before.Running)
        {
            return new DaemonStopResult { Outcome = DaemonStopOutcomes.Stopped, Pid = before.Pid, ElapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
        }

        return new DaemonStopResult { Outcome = rest.Outcome, Pid = rest.Pid, ElapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
    }

    /// <summary>
    /// Stops the daemon, then starts it the way <see cref="Start"/> does. With the service installed that is one
    /// systemctl --user restart (launchctl kickstart -k), so the daemon keeps the service's mode; a daemon that
    /// runs outside the service (detached) is stopped first.
    /// </summary>
    public (DaemonStopResult Stopped, DaemonStart Started) Restart(TimeSpan stopTimeout, TimeSpan startTimeout, CancellationToken cancellationToken = default)
    {
        if (!ServiceInstalled)
        {
            var stopped = Stop(stopTimeout, cancellationToken);
            return (stopped, Start(startTimeout, cancellationToken));
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var before = Controller.GetStatus(queryEndpoint: false, cancellationToken);
        var stop = new DaemonStopResult { Outcome = DaemonStopOutcomes.NotRunning, Pid = null, ElapsedSeconds = 0 };
        if (before.Running && before.Mode != ServiceMode)
        {
            stop = Controller.Stop(stopTimeout, cancellationToken);
        }

        _service.Start(restart: true);
        if (before.Running && before.Mode == ServiceMode)
        {
            stop = new DaemonStopResult { Outcome = DaemonStopOutcomes.Stopped, Pid = before.Pid, ElapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
        }

        Controller.WaitUntilRunning(startTimeout, cancellationToken, notPid: before.Running ? before.Pid : null);
        return (stop, new DaemonStart(Controller.GetStatus(queryEndpoint: true, cancellationToken), false, _service.Manager));
    }

    /// <summary>
    /// Installs (or updates) the service and starts it there. A detached daemon is stopped first: the service's
    /// daemon would otherwise find it holding the lock. Returns what changed and the detached daemon's PID, if one was stopped.
    /// </summary>
    public (ServiceChange Change, int? StoppedDetached) Install(ServiceDefinition definition, bool force = false, CancellationToken cancellationToken = default)
    {
        int? stopped = null;
        var status = Controller.GetStatus(queryEndpoint: false, cancellationToken);
        if (status.Running && status.Mode == DaemonModes.Detached)
        {
            stopped = status.Pid;
            Controller.Stop(TimeSpan.FromSeconds(definition.StopTimeoutSec + 5), cancellationToken);
        }

        return (_service.Install(definition, force), stopped);
    }
}
