using System.Diagnostics;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Service;
using Msgcode.Core.Storage;
using StreamJsonRpc;

namespace Msgcode.Core.Daemon;

/// <summary>
/// What the cmdlets do to a daemon: read its status (the lock is the truth, the status file a hint,
/// the start time guards against PID reuse), start it detached, and stop it by SIGTERM, escalating to
/// SIGKILL after the timeout. Never a signal to a process that is not provably our daemon.
/// </summary>
public sealed class DaemonController
{
    public DaemonController(MsgcodeHome home)
    {
        Home = home;
        Files = new DaemonFiles(home);
    }

    public MsgcodeHome Home { get; }

    public DaemonFiles Files { get; }

    public DaemonInfo GetStatus(bool queryEndpoint = true, CancellationToken cancellationToken = default)
    {
        var record = Files.ReadStatus();
        var locked = Files.IsLockHeld();
        var alive = record is not null && ProcessControl.IsSameProcess(record.Pid, record.StartTimeUtc, record.StartTicks);
        if (!locked || record is null || !alive)
        {
            var stale = record is not null || Files.ReadPid() is not null;
            return new DaemonInfo
            {
                Running = false,
                Status = locked ? DaemonStatuses.Starting : stale ? DaemonStatuses.NotRunningStalePidfile : DaemonStatuses.NotRunning,
                Pid = locked ? record?.Pid : null,
                Home = Home.Path,
                LogPath = Home.LogFile,
            };
        }

        DaemonRuntimeInfo? runtime = null;
        if (queryEndpoint && record.State == DaemonStatuses.Running)
        {
            try
            {
                runtime = Query<DaemonRuntimeInfo>(record.Endpoint, ControlProtocol.Status, TimeSpan.FromSeconds(3), cancellationToken);
            }
            catch (MsgcodeException)
            {
                // The endpoint may be busy or restarting; the lock and PID already prove the daemon runs.
            }
        }

        var start = record.StartTimeUtc;
        return new DaemonInfo
        {
            Running = true,
            Status = runtime?.State ?? record.State,
            Pid = record.Pid,
            StartTime = start?.ToLocalTime(),
            UptimeSeconds = start is null ? null : Math.Round((DateTime.UtcNow - start.Value).TotalSeconds, 3),
            Version = record.Version,
            Mode = record.Mode,
            Home = record.Home,
            LogPath = record.LogPath,
            Endpoint = record.Endpoint,
            QueueDepth = runtime?.QueueDepth ?? 0,
            RunningCount = runtime?.RunningCount ?? 0,
            Lanes = runtime?.Lanes.ToArray() ?? [],
            JobCount = runtime?.JobCount ?? 0,
            JobsEnabled = runtime?.JobsEnabled,
            NextJobRunAt = runtime?.NextJobRunAtMs is long next ? DateTimeOffset.FromUnixTimeMilliseconds(next).ToLocalTime() : null,
            JobsProblem = runtime?.JobsProblem,
        };
    }

    /// <summary>Calls a method on the running daemon's control endpoint.</summary>
    public T Query<T>(string endpoint, string method, TimeSpan timeout, CancellationToken cancellationToken, params object?[] arguments)
        => QueryAsync<T>(endpoint, method, timeout, cancellationToken, arguments).GetAwaiter().GetResult();

    public async Task<T> QueryAsync<T>(string endpoint, string method, TimeSpan timeout, CancellationToken cancellationToken, params object?[] arguments)
    {
        using var rpc = await ControlProtocol.ConnectAsync(endpoint, timeout, cancellationToken).ConfigureAwait(false);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            return await rpc.InvokeWithCancellationAsync<T>(method, arguments, timeoutSource.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ConnectionLostException or OperationCanceledException or RemoteInvocationException or IOException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new MsgcodeException(ErrorIds.DaemonNotRunning, MsgcodeErrorCategory.ConnectionError, endpoint,
                $"The daemon did not answer '{method}' on '{endpoint}' ({ex.Message}). Check Get-MsgcodeLog.", ex);
        }
    }

    /// <summary>
    /// Starts the daemon detached and waits until it is ready. Starters are serialized by a lock, so ten
    /// concurrent calls start one daemon; the others find it running and return it.
    /// </summary>
    public (DaemonInfo Info, bool AlreadyRunning) StartDetached(DaemonCommand command, TimeSpan readyTimeout, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Home.Path);
        Directory.CreateDirectory(Home.LogDirectory);
        using var startLock = FileLock.Acquire(Files.StartLockFile, readyTimeout + TimeSpan.FromSeconds(30), cancellationToken);
        var current = GetStatus(queryEndpoint: false, cancellationToken);
        if (current.Running)
        {
            return (current, true);
        }

        var stdio = Files.StdioFile;
        var startInfo = BuildStartInfo(command, stdio);
        using var process = Process.Start(startInfo) ?? throw new MsgcodeException(ErrorIds.DaemonStartFailed, MsgcodeErrorCategory.OperationStopped,
            command.FileName, $"Could not start '{command.FileName}'.");
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        var started = Stopwatch.StartNew();
        while (started.Elapsed < readyTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var record = Files.ReadStatus();
            // The status must be the new daemon's (a crashed one's file may still say "running"); exec keeps the PID.
            if (record is not null && record.Pid == process.Id && record.State == DaemonStatuses.Running && Files.IsLockHeld())
            {
                return (GetStatus(queryEndpoint: true, cancellationToken), false);
            }

            if (process.HasExited && !Files.IsLockHeld())
            {
                throw new MsgcodeException(ErrorIds.DaemonStartFailed, MsgcodeErrorCategory.OperationStopped, Home.Path,
                    $"The daemon exited during start (exit code {process.ExitCode}). {Tail(stdio)}See '{Home.LogFile}' and '{stdio}'.");
            }

            Thread.Sleep(50);
        }

        throw new MsgcodeException(ErrorIds.DaemonStartFailed, MsgcodeErrorCategory.OperationTimeout, Home.Path,
            $"The daemon did not become ready within {readyTimeout.TotalSeconds:0} s. {Tail(stdio)}See '{Home.LogFile}'.");
    }

    /// <summary>How long a stop waits for the drain before SIGKILL: daemon.stopTimeoutSec plus five seconds.</summary>
    public static int DefaultStopTimeoutSec(ConfigSources sources) => (int)ConfigResolver.Resolve(sources).GetInt64("daemon.stopTimeoutSec") + 5;

    /// <summary>Hands a run of a task to the running daemon; returns the queued run at once.</summary>
    public TaskRunInfoQueued Queue(string workspace, string taskId, CancellationToken cancellationToken = default)
    {
        using var connection = OpenQueue(cancellationToken);
        return connection.Queue(workspace, taskId, cancellationToken);
    }

    /// <summary>One connection to the running daemon for queueing many runs (a pipeline of tasks).</summary>
    public QueueConnection OpenQueue(CancellationToken cancellationToken = default)
    {
        var record = Files.ReadStatus();
        if (record is null || record.State != DaemonStatuses.Running || !Files.IsLockHeld())
        {
            throw new MsgcodeException(ErrorIds.DaemonNotRunning, MsgcodeErrorCategory.ResourceUnavailable, Home.Path,
                $"No msgcode daemon is running for '{Home.Path}', so nothing can be queued. Start it with Start-MsgcodeDaemon, or run the task here with Invoke-MsgcodeTask (without -Queue).");
        }

        return new QueueConnection(record.Endpoint, ControlProtocol.ConnectAsync(record.Endpoint, TimeSpan.FromSeconds(10), cancellationToken).GetAwaiter().GetResult());
    }

    /// <summary>A connection for queueing a stream of runs with many requests in flight (see <see cref="QueuePipeline"/>).</summary>
    public QueuePipeline OpenQueuePipeline(CancellationToken cancellationToken = default) => new(OpenQueue(cancellationToken), cancellationToken);

    /// <summary>An open control connection used to queue runs.</summary>
    public sealed class QueueConnection(string endpoint, JsonRpc rpc) : IDisposable
    {
        public TaskRunInfoQueued Queue(string workspace, string taskId, CancellationToken cancellationToken = default)
            => QueueAsync(workspace, taskId, null, cancellationToken).GetAwaiter().GetResult();

        /// <summary>
        /// Sends one queue request; completes with the daemon's answer, which comes once the run's queue entry is
        /// fsynced. Several may be in flight on one connection: the daemon takes them in the order they were sent.
        /// </summary>
        public async Task<TaskRunInfoQueued> QueueAsync(string workspace, string taskId, QueueRunOptions? run = null, CancellationToken cancellationToken = default)
        {
            object?[] arguments = run?.Sandbox == true ? [workspace, taskId, run.Worktree, run.Fresh, run.Force, true]
                : run?.Force == true ? [workspace, taskId, run.Worktree, run.Fresh, true]
                : run?.Worktree == true ? [workspace, taskId, true, run.Fresh] : [workspace, taskId];
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                return new TaskRunInfoQueued(await rpc.InvokeWithCancellationAsync<Runs.TaskRunInfo>(ControlProtocol.Queue, arguments, timeout.Token).ConfigureAwait(false));
            }
            catch (RemoteInvocationException remote) when (ReadError(remote) is { } error)
            {
                throw new MsgcodeException(error.ErrorId, MsgcodeErrorCategory.InvalidOperation, error.Target, remote.Message, remote);
            }
            catch (Exception ex) when (ex is ConnectionLostException or OperationCanceledException or RemoteInvocationException or IOException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new MsgcodeException(ErrorIds.DaemonNotRunning, MsgcodeErrorCategory.ConnectionError, endpoint,
                    $"The daemon did not take the run ({ex.Message}). Check Get-MsgcodeDaemon and Get-MsgcodeLog.", ex);
            }
        }

        public void Dispose() => rpc.Dispose();
    }

    private static ControlError? ReadError(RemoteInvocationException remote)
    {
        if (remote.ErrorData is System.Text.Json.JsonElement element && element.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            try
            {
                var error = System.Text.Json.JsonSerializer.Deserialize<ControlError>(element.GetRawText(), new System.Text.Json.JsonSerializerOptions { PropertyNameCaseInsensitive = true });
                return error is { ErrorId.Length: > 0 } ? error : null;
            }
            catch (System.Text.Json.JsonException)
            {
                return null;
            }
        }

        return remote.DeserializedErrorData as ControlError;
    }

    /// <summary>Waits until a daemon started by someone else (a service manager) is ready; with <paramref name="notPid"/>, one other than that PID (a restart).</summary>
    public DaemonInfo WaitUntilRunning(TimeSpan timeout, CancellationToken cancellationToken = default, int? notPid = null)
    {
        var started = Stopwatch.StartNew();
        while (started.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var record = Files.ReadStatus();
            if (record is not null && record.State == DaemonStatuses.Running && record.Pid != notPid && Files.IsLockHeld() && ProcessControl.IsSameProcess(record.Pid, record.StartTimeUtc, record.StartTicks))
            {
                return GetStatus(queryEndpoint: true, cancellationToken);
            }

            Thread.Sleep(100);
        }

        throw new MsgcodeException(ErrorIds.DaemonStartFailed, MsgcodeErrorCategory.OperationTimeout, Home.Path,
            $"The service manager did not bring the daemon up within {timeout.TotalSeconds:0} s. {Tail(Files.StdioFile)}See Get-MsgcodeService and '{Home.LogFile}'.");
    }

    /// <summary>SIGTERM, wait for the drain, SIGKILL after <paramref name="timeout"/>. Idempotent.</summary>
    public DaemonStopResult Stop(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var record = Files.ReadStatus();
        if (record is null || !Files.IsLockHeld() || !ProcessControl.IsSameProcess(record.Pid, record.StartTimeUtc, record.StartTicks))
        {
            if (!Files.IsLockHeld())
            {
                Files.RemoveStatus(null); // a crashed daemon's leftovers; no daemon holds the lock
            }

            return new DaemonStopResult { Outcome = DaemonStopOutcomes.NotRunning, Pid = null, ElapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
        }

        var pid = record.Pid;
        if (!ProcessControl.Signal(pid, ProcessControl.SIGTERM) && OperatingSystem.IsWindows())
        {
            try
            {
                Query<bool>(record.Endpoint, ControlProtocol.Stop, TimeSpan.FromSeconds(5), cancellationToken);
            }
            catch (MsgcodeException)
            {
            }
        }

        while (clock.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ProcessControl.IsAlive(pid) && !Files.IsLockHeld())
            {
                return new DaemonStopResult { Outcome = DaemonStopOutcomes.Stopped, Pid = pid, ElapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
            }

            Thread.Sleep(50);
        }

        if (!ProcessControl.IsSameProcess(pid, record.StartTimeUtc, record.StartTicks))
        {
            return new DaemonStopResult { Outcome = DaemonStopOutcomes.Stopped, Pid = pid, ElapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
        }

        ProcessControl.Signal(pid, ProcessControl.SIGKILL);
        var killDeadline = clock.Elapsed + TimeSpan.FromSeconds(10);
        while (clock.Elapsed < killDeadline)
        {
            if (!ProcessControl.IsAlive(pid))
            {
                Files.RemoveStatus(record.InstanceId);
                return new DaemonStopResult { Outcome = DaemonStopOutcomes.Killed, Pid = pid, ElapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) };
            }

            Thread.Sleep(50);
        }

        throw new MsgcodeException(ErrorIds.DaemonStopFailed, MsgcodeErrorCategory.OperationTimeout, pid,
            $"The daemon (PID {pid}) survived SIGKILL. Check the process with 'ps -p {pid}'.");
    }

    private ProcessStartInfo BuildStartInfo(DaemonCommand command, string stdio)
    {
        ProcessStartInfo info;
        if (OperatingSystem.IsWindows())
        {
            info = new ProcessStartInfo(command.FileName) { CreateNoWindow = true, UseShellExecute = false, RedirectStandardInput = true };
            foreach (var argument in command.Arguments)
            {
                info.ArgumentList.Add(argument);
            }
        }
        else
        {
            // exec through sh so the daemon's stdout/stderr go to a file (a pipe would break when we exit)
            // and its stdin is /dev/null; the daemon then leaves our session with setsid().
            info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("exec \"$@\" </dev/null >>\"$MSGCODE_DAEMON_STDIO\" 2>&1");
            info.ArgumentList.Add("msgcode-daemon");
            info.ArgumentList.Add(command.FileName);
            foreach (var argument in command.Arguments)
            {
                info.ArgumentList.Add(argument);
            }

            info.Environment["MSGCODE_DAEMON_STDIO"] = stdio;
        }

        info.Environment[MsgcodeHome.HomeVariable] = Home.Path;
        foreach (var (name, value) in DaemonRuntime.For(Environment.GetEnvironmentVariable))
        {
            info.Environment[name] = value;
        }

        info.WorkingDirectory = Home.Path;
        return info;
    }

    private static string Tail(string path)
    {
        try
        {
            var lines = File.ReadLines(path).TakeLast(5).ToArray();
            return lines.Length == 0 ? string.Empty : "Last output: " + string.Join(" | ", lines) + " ";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
