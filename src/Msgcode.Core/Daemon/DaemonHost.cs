using System.Runtime.InteropServices;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using Msgcode.Core.Platform;
using Msgcode.Core.Storage;
using StreamJsonRpc;

namespace Msgcode.Core.Daemon;

/// <summary>
/// The daemon in the foreground: what <c>Start-MsgcodeDaemon -Foreground</c> runs, and what launchd and
/// systemd supervise. Single instance per home (an flock on daemon.lock, released by the OS on any
/// exit), pidfile and status file written atomically, SIGTERM/SIGINT drain and exit 0, SIGHUP reloads.
/// </summary>
public sealed class DaemonHost
{
    private readonly DaemonOptions _options;
    private readonly TaskCompletionSource<string> _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DaemonContext? _context;
    private DaemonStatusRecord? _status;
    private long _startedAtMs;

    public DaemonHost(DaemonOptions options)
    {
        _options = options;
    }

    public void RequestStop(string reason) => _stop.TrySetResult(reason);

    /// <summary>Runs until stopped by a signal, the control endpoint, or <paramref name="cancellationToken"/>; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var home = _options.Home;
        var files = new DaemonFiles(home);
        try
        {
            Directory.CreateDirectory(home.Path);
            Directory.CreateDirectory(home.LogDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Reported by the preflight below, with the fix.
        }

        if (_options.Mode == DaemonModes.Detached)
        {
            ProcessControl.DetachFromTerminal();
        }

        var preflight = HomeAccess.Check(home).Where(c => !c.Passed).ToList();
        if (preflight.Count > 0)
        {
            var why = string.Join(" ", preflight.Select(c => c.Message + (c.FixHint is null ? string.Empty : " Fix: " + c.FixHint)));
            Console.Error.WriteLine("msgcode daemon: preflight failed: " + why);
            throw new MsgcodeException(ErrorIds.DaemonPreflightFailed, MsgcodeErrorCategory.ResourceUnavailable, home.Path, "The daemon did not start: " + why);
        }

        FileStream daemonLock;
        try
        {
            daemonLock = AcquireLock(files);
        }
        catch (MsgcodeException ex) when (ex.ErrorId == ErrorIds.DaemonAlreadyRunning && _options.Mode is DaemonModes.Systemd or DaemonModes.Launchd)
        {
            // Under a supervisor a failing exit would be restarted again and again (launchd every 10 s): the daemon
            // that runs already is the one wanted, so this start steps aside with exit 0 and says why in the
            // supervisor's log (the journal, launchd's captured error file).
            Console.Error.WriteLine($"msgcode daemon: not started: {ex.Message} This {_options.Mode} start exits 0, so that the supervisor does not start it again.");
            return 0;
        }

        using var heldLock = daemonLock;
        if (_options.Mode == DaemonModes.Launchd)
        {
            Service.CapturedOutput.Rotate(home); // launchd appends to them and never trims
        }

        // Runner processes die with the daemon, SIGKILL included (Linux): see RunGuard.
        var guarded = Runners.RunGuard.StartGuardian();
        var config = ConfigResolver.Resolve(new ConfigSources(home));
        // The log is diagnostics, not a record anything depends on: its lines are written at once (they survive a
        // crash of the daemon) but not fsynced one by one, which would cost an fsync per queued and per finished run.
        // The daemon is its only writer and keeps it open (SIGHUP lets go of it, for an outside rotation).
        using var log = new MsgcodeLog(home.LogFile, MsgcodeLog.ParseLevel(config.GetString("log.level")), config.GetInt64("log.maxBytes"), (int)config.GetInt64("log.maxFiles"), _options.Clock) { Fsync = false, KeepOpen = true };
        using var journal = new JsonlGroupWriter();
        var previous = files.ReadStatus(); // an earlier daemon's (we hold the lock: it is not running)
        _context = new DaemonContext { Home = home, Files = files, Log = log, InstanceId = Guid.NewGuid().ToString("N"), Clock = _options.Clock, Config = config, Journal = journal };
        _context.Reloader = Reload;
        var pid = Environment.ProcessId;
        _startedAtMs = _options.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        _status = new DaemonStatusRecord
        {
            Pid = pid,
            StartTimeUtc = ProcessControl.GetStartTimeUtc(pid),
            StartTicks = ProcessControl.GetLinuxStartTicks(pid),
            InstanceId = _context.InstanceId,
            State = DaemonStatuses.Starting,
            Version = ProductInfo.ProductVersion(),
            Mode = _options.Mode,
            Home = home.Path,
            LogPath = home.LogFile,
        };

        var signals = new List<PosixSignalRegistration>();
        ControlServer? server = null;
        ControlEndpoint? endpoint = null;
        var started = new List<IDaemonComponent>();
        using var stopping = new CancellationTokenSource();
        using var external = cancellationToken.Register(() => RequestStop("cancelled"));
        try
        {
            endpoint = ControlEndpoint.Prepare(files, Environment.GetEnvironmentVariable, previous);
            _status.Endpoint = endpoint.Path;
            files.WriteStatus(_status);
            files.WritePid(pid);
            log.Info("daemon", "starting", new { pid, version = _status.Version, mode = _options.Mode, home = home.Path, runGuard = guarded });
            foreach (var problem in config.Problems)
            {
                log.Warn("config", "configuration problem", new { errorId = problem.ErrorId, path = problem.Path, line = problem.Line, key = problem.Key });
            }

            if (endpoint.Note is not null)
            {
                log.Warn("daemon", "XDG_RUNTIME_DIR not used for the control socket", new { reason = endpoint.Note });
            }

            RegisterSignals(signals, log);
            server = new ControlServer(endpoint.Path, () => new ControlTarget(this), log);
            server.Start();
            foreach (var component in _options.Components)
            {
                await component.StartAsync(_context, stopping.Token).ConfigureAwait(false);
                started.Add(component);
            }

            _status.State = DaemonStatuses.Running;
            files.WriteStatus(_status);
            log.Info("daemon", "ready", new { pid, endpoint = endpoint.Path });

            var reason = await _stop.Task.ConfigureAwait(false);
            _status.State = DaemonStatuses.Stopping;
            files.WriteStatus(_status);
            log.Info("daemon", "stopping", new { reason });
            var budget = TimeSpan.FromSeconds(config.GetInt64("daemon.stopTimeoutSec"));
            var deadline = _options.Clock.GetUtcNow() + budget;
            await stopping.CancelAsync().ConfigureAwait(false);
            foreach (var component in Enumerable.Reverse(started))
            {
                try
                {
                    await component.StopAsync(deadline).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    log.Error("daemon", "component failed to stop cleanly", new { component = component.Name, error = ex.Message });
                }
            }

            log.Info("daemon", "stopped", new { pid, records = journal.Records, writes = journal.Writes, fsyncs = journal.Fsyncs });
            return 0;
        }
        catch (Exception ex)
        {
            log.Error("daemon", "fatal", new { error = ex.Message, type = ex.GetType().Name });
            throw;
        }
        finally
        {
            foreach (var registration in signals)
            {
                registration.Dispose();
            }

            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            endpoint?.Release();
            files.RemoveStatus(_context.InstanceId);
        }
    }

    /// <summary>The components, for RPC targets that reach into them.</summary>
    internal DaemonOptions Options => _options;

    internal DaemonRuntimeInfo Describe()
    {
        var info = new DaemonRuntimeInfo
        {
            Pid = Environment.ProcessId,
            InstanceId = _context?.InstanceId ?? string.Empty,
            State = _status?.State ?? DaemonStatuses.Starting,
            Version = _status?.Version ?? string.Empty,
            StartedAtMs = _startedAtMs,
        };
        foreach (var component in _options.Components)
        {
            component.Describe(info);
        }

        return info;
    }

    private void Reload()
    {
        if (_context is null)
        {
            return;
        }

        var config = ConfigResolver.Resolve(new ConfigSources(_context.Home));
        _context.Config = config;
        _context.Log.Minimum = MsgcodeLog.ParseLevel(config.GetString("log.level"));
        _context.Log.MaxBytes = config.GetInt64("log.maxBytes");
        _context.Log.MaxFiles = (int)config.GetInt64("log.maxFiles");
        foreach (var component in _options.Components)
        {
            component.OnReload(_context);
        }

        _context.Log.Info("daemon", "configuration reloaded", new { problems = config.Problems.Count });
    }

    private void RegisterSignals(List<PosixSignalRegistration> signals, MsgcodeLog log)
    {
        void Add(PosixSignal signal, Action<PosixSignalContext> handler)
        {
            try
            {
                signals.Add(PosixSignalRegistration.Create(signal, handler));
            }
            catch (PlatformNotSupportedException)
            {
            }
        }

        Add(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true; // .NET 10 has no default handler: without ours, SIGTERM would kill us with 143
            if (_options.IgnoreSigterm)
            {
                log.Warn("daemon", "SIGTERM ignored (test hook)");
                return;
            }

            RequestStop("SIGTERM");
        });
        Add(PosixSignal.SIGINT, ctx =>
        {
            ctx.Cancel = true;
            RequestStop("SIGINT");
        });
        if (!OperatingSystem.IsWindows())
        {
            Add(PosixSignal.SIGHUP, ctx =>
            {
                ctx.Cancel = true; // a closed terminal must not stop the daemon
                log.Reopen(); // the log's name may hold a new file now (logrotate moved the old one away)
                log.Info("daemon", "SIGHUP: reloading configuration");
                Reload();
            });
        }
    }

    private static FileStream AcquireLock(DaemonFiles files)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2); // a status probe holds the lock for an instant
        while (true)
        {
            try
            {
                return new FileStream(files.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (Exception ex) when (ex is DirectoryNotFoundException or UnauthorizedAccessException)
            {
                throw new MsgcodeException(ErrorIds.DaemonPreflightFailed, MsgcodeErrorCategory.PermissionDenied, files.LockFile,
                    $"The daemon cannot create its lock file '{files.LockFile}': {ex.Message} Check that the msgcode home is a writable folder.", ex);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
            catch (IOException ex)
            {
                var status = files.ReadStatus();
                var who = status is null ? "another process" : $"PID {status.Pid}";
                throw new MsgcodeException(ErrorIds.DaemonAlreadyRunning, MsgcodeErrorCategory.ResourceExists, status?.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? files.LockFile,
                    $"A msgcode daemon is already running for '{files.Home.Path}' ({who}). Use Get-MsgcodeDaemon to see it, or Stop-MsgcodeDaemon to stop it.", ex);
            }
        }
    }

    /// <summary>The methods clients call over the control endpoint.</summary>
    internal sealed class ControlTarget(DaemonHost host)
    {
        [JsonRpcMethod(ControlProtocol.Ping)]
        public string Ping() => "pong";

        [JsonRpcMethod(ControlProtocol.Status)]
        public DaemonRuntimeInfo Status() => host.Describe();

        /// <summary>Answers once the queue entry is fsynced; requests of one connection are taken in the order they came.</summary>
        [JsonRpcMethod(ControlProtocol.Queue)]
        public async Task<Runs.TaskRunInfo> Queue(string workspace, string taskId, bool worktree = false, bool fresh = false, bool force = false, bool sandbox = false)
        {
            var queue = host._options.Queue ?? throw new LocalRpcException("This daemon runs no work queue.") { ErrorCode = -32001 };
            try
            {
                return await queue.EnqueueAsync(workspace, taskId, worktree || force || sandbox ? new QueueRunOptions(worktree, fresh, force, sandbox) : null).ConfigureAwait(false);
            }
            catch (MsgcodeException ex)
            {
                throw new LocalRpcException(ex.Message) { ErrorCode = -32000, ErrorData = new ControlError { ErrorId = ex.ErrorId, Target = ex.Target?.ToString() } };
            }
        }

        [JsonRpcMethod(ControlProtocol.Stop)]
        public bool Stop()
        {
            host.RequestStop("control endpoint");
            return true;
        }
    }
}
