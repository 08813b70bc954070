using System.Text.Json;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using Msgcode.Core.Runners;
using Msgcode.Core.Runs;
using Msgcode.Core.Storage;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Daemon;

/// <summary>
/// The daemon's queued runs: durable in <c>&lt;home&gt;/queue.jsonl</c> (the daemon is its only writer),
/// run serially per workspace and in parallel across workspaces up to <c>daemon.maxConcurrentRuns</c>.
/// A run's id is fixed when it is queued, and the workspace's ledger says what became of it, so after a
/// crash every queued run runs exactly once, a run that was in progress is recorded as interrupted (and
/// queued again only if its task asks for that), and completed work never runs again.
/// </summary>
public sealed class WorkQueue : IDaemonComponent
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    private readonly Func<RunnerRegistry> _registry;
    private readonly object _gate = new();
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly Queue<(QueueEntry Entry, Task Committed)> _committing = new(); // queued runs whose record is being fsynced, in arrival order
    private readonly List<Task> _workers = [];
    private readonly CancellationTokenSource _abort = new();
    private SemaphoreSlim _slots = new(2);
    private DaemonContext? _context;
    private volatile bool _accepting;
    private Timer? _housekeeping;
    private IReadOnlyDictionary<string, string> _environment = new Dictionary<string, string>();
    private readonly Dictionary<string, CancellationTokenSource> _stops = new(StringComparer.Ordinal);

    public WorkQueue(RunnerRegistry registry)
        : this(() => registry)
    {
    }

    /// <param name="registry">The runners for the next run, asked once per run (a cached registry that is
    /// loaded again when its files change lets an edit of capabilities.json take effect without a restart).</param>
    public WorkQueue(Func<RunnerRegistry> registry)
    {
        _registry = registry;
    }

    /// <summary>The runners the queue runs with now (the registry is asked again each time: an edited capabilities.json applies).</summary>
    public RunnerRegistry Runners => _registry();

    public string Name => "queue";

    /// <summary>Raised when a queued run has ended (on a worker thread; handlers must not block).</summary>
    public event EventHandler<RunEndedEventArgs>? RunEnded;

    /// <summary>Stops a running run (a user's stop, recorded as canceled). False when it is not running here.</summary>
    public bool Cancel(string runId)
    {
        CancellationTokenSource? stop;
        lock (_gate)
        {
            _stops.TryGetValue(runId, out stop);
        }

        if (stop is null)
        {
            return false;
        }

        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        return true;
    }

    private string QueuePath => Path.Combine(_context!.Home.Path, "queue.jsonl");

    /// <summary>The daemon's group-commit writer: queue entries and run records of all lanes share its fsyncs.</summary>
    private JsonlGroupWriter Journal => _context!.Journal;

    private sealed class Lane
    {
        public Queue<QueueEntry> Pending { get; } = new();

        public string? Running { get; set; }

        public Task? Worker { get; set; }
    }

    public Task StartAsync(DaemonContext context, CancellationToken stopping)
    {
        _context = context;
        _environment = ConfigSources.SnapshotEnvironment(); // the daemon's own environment: read once, not per run
        _slots = new SemaphoreSlim((int)context.Config.GetInt64("daemon.maxConcurrentRuns"));
        foreach (var entry in Recover())
        {
            Dispatch(entry);
        }

        _accepting = true;
        _housekeeping = new Timer(_ => Housekeep(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Queues a run of a task (called over the control endpoint). The returned task completes once the queue entry is fsynced (it shares the fsync
    /// with whatever else the daemon appended meanwhile), so a caller told "queued" holds a durable promise.
    /// Runs are handed to their lanes in the order they were queued, whatever order the fsyncs complete in.
    /// </summary>
    public async Task<TaskRunInfo> EnqueueAsync(string workspace, string taskIdOrPrefix, QueueRunOptions? run = null)
    {
        if (!_accepting)
        {
            throw new MsgcodeException(ErrorIds.DaemonNotRunning, MsgcodeErrorCategory.ResourceUnavailable, workspace, "The daemon is stopping and takes no new work.");
        }

        var store = new TaskStore(workspace);
        store.RequireWorkspace();
        var task = store.Get(taskIdOrPrefix);
        if (run?.Worktree == true)
        {
            // A run that cannot be isolated is refused now, while someone is there to read why.
            Isolation(store.Workspace, true, run.Fresh)!.Validate(store, store.ReadDocument(task.Id));
        }

        var entry = new QueueEntry
        {
            RunId = RunLedger.NewRunId(), Workspace = store.Workspace, TaskId = task.Id, TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Worktree = run?.Worktree == true, Fresh = run?.Worktree == true && run.Fresh, Force = run?.Force == true, Sandbox = run?.Sandbox == true,
        };
        var digest = TextDigest.Of(task.Prompt);
        Task committed;
        lock (_gate)
        {
            // The hint goes first: in the ledger a run's queued line comes before its started record.
            Observe(new RunLedger(store.LedgerPath).AppendHintAsync(new RunRecord
            {
                TsMs = entry.TsMs, RunId = entry.RunId, TaskId = task.Id, Event = RunEvents.Queued, RunnerKind = task.Runner, Status = "queued",
                PromptLength = digest.Length, PromptSha = digest.Sha,
            }, Journal, writeHere: false), "queued hint");
            // Written by a pool thread, not here: this connection's next requests join the batch while it is fsynced.
            committed = Journal.AppendAsync(QueuePath, JsonSerializer.Serialize(entry, Options), writeHere: false);
            _committing.Enqueue((entry, committed));
        }

        try
        {
            await committed.ConfigureAwait(false);
        }
        finally
        {
            DispatchCommitted();
        }

        _context!.Log.Info("queue", "queued", new { runId = entry.RunId, taskId = task.Id, workspace = store.Workspace });
        return new TaskRunInfo { RunId = entry.RunId, TaskId = task.Id, Runner = task.Runner, Status = "queued", Workspace = store.Workspace, PromptLength = digest.Length, PromptSha = digest.Sha };
    }

    /// <summary>Whether a run of the task waits in a lane, runs, or is being committed (after a start: recovered from queue.jsonl).</summary>
    public bool HoldsRunOf(string workspace, string taskId)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workspace));
        lock (_gate)
        {
            return _committing.Any(c => c.Entry.TaskId == taskId)
                || _lanes.Any(l => string.Equals(Path.TrimEndingDirectorySeparator(l.Key), full, StringComparison.Ordinal) && (l.Value.Running == taskId || l.Value.Pending.Any(e => e.TaskId == taskId)));
        }
    }

    /// <summary>Hands committed entries to their lanes in arrival order; one whose write failed was never queued.</summary>
    private void DispatchCommitted()
    {
        lock (_gate)
        {
            while (_committing.Count > 0 && _committing.Peek().Committed.IsCompleted)
            {
                var (entry, committed) = _committing.Dequeue();
                if (committed.IsCompletedSuccessfully)
                {
                    Dispatch(entry);
                }
            }
        }
    }

    /// <summary>A write nobody waits for (a hint): its failure is logged, never lost silently.</summary>
    private void Observe(Task write, string what)
    {
        write.ContinueWith(
            t => _context?.Log.Warn("queue", "hint write failed", new { what, error = t.Exception?.GetBaseException().Message }),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public async Task StopAsync(DateTimeOffset deadline)
    {
        _accepting = false;
        _housekeeping?.Dispose();
        Task[] workers;
        lock (_gate)
        {
            foreach (var lane in _lanes.Values)
            {
                lane.Pending.Clear(); // still in queue.jsonl: they run after the next start
            }

            workers = [.. _workers];
        }

        var remaining = deadline - DateTimeOffset.UtcNow;
        var all = Task.WhenAll(workers);
        if (remaining > TimeSpan.Zero && await Task.WhenAny(all, Task.Delay(remaining)).ConfigureAwait(false) == all)
        {
            return;
        }

        // Out of time: stop what runs; each run records itself as interrupted.
        _context?.Log.Warn("queue", "drain budget spent; interrupting running work", new { running = workers.Count(w => !w.IsCompleted) });
        await _abort.CancelAsync().ConfigureAwait(false);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
    }

    public void Describe(DaemonRuntimeInfo info)
    {
        lock (_gate)
        {
            foreach (var (workspace, lane) in _lanes)
            {
                if (lane.Pending.Count == 0 && lane.Running is null)
                {
                    continue;
                }

                info.Lanes.Add(new DaemonLaneInfo { Workspace = workspace, Queued = lane.Pending.Count, RunningTaskId = lane.Running });
                info.QueueDepth += lane.Pending.Count;
                info.RunningCount += lane.Running is null ? 0 : 1;
            }
        }
    }

    private void Dispatch(QueueEntry entry)
    {
        lock (_gate)
        {
            if (!_lanes.TryGetValue(entry.Workspace, out var lane))
            {
                lane = new Lane();
                _lanes[entry.Workspace] = lane;
            }

            lane.Pending.Enqueue(entry);
            if (lane.Worker is null)
            {
                lane.Worker = Task.Run(() => DrainLaneAsync(entry.Workspace, lane));
                _workers.RemoveAll(w => w.IsCompleted);
                _workers.Add(lane.Worker);
            }
        }
    }

    /// <summary>
    /// Runs a lane's entries one after another. A run's end (its task's update, its outcome's fsync, its report)
    /// completes while the next run starts, and before the run after that: at most one run's end is outstanding,
    /// ends are reported in the order the runs ran, a task is never started again before its last run has
    /// ended, and the lane is not done (for a stop's drain too) until its last run has ended.
    /// </summary>
    private async Task DrainLaneAsync(string workspace, Lane lane)
    {
        var end = Task.CompletedTask; // the end of the lane's latest run (it never faults)
        string? endTaskId = null;
        while (true)
        {
            QueueEntry? entry = null;
            lock (_gate)
            {
                if (lane.Pending.Count == 0 || !_accepting && lane.Running is not null)
                {
                    if (end.IsCompleted)
                    {
                        lane.Running = null;
                        lane.Worker = null; // under the lock: Dispatch starts a new worker for the next entry
                        return;
                    }
                }
                else
                {
                    entry = lane.Pending.Dequeue();
                    lane.Running = entry.TaskId;
                }
            }

            if (entry is null)
            {
                await end.ConfigureAwait(false); // nothing to start: let the last run end, then look again
                continue;
            }

            if (entry.TaskId == endTaskId)
            {
                await end.ConfigureAwait(false); // the same task again: its last run must have ended first
            }

            await _slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            Task ended;
            try
            {
                if (!_accepting)
                {
                    await end.ConfigureAwait(false);
                    lock (_gate)
                    {
                        lane.Running = null;
                        lane.Worker = null;
                    }

                    return; // stopping: the entry stays in queue.jsonl and runs after the next start
                }

                ended = await RunOneAsync(entry, end).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Never the end of the lane (a queue entry edited by hand into an unusable workspace path): the entry
                // gets no "done", so the next start looks at it again, and the lane goes on with the next one.
                _context?.Log.Error("queue", "run could not be started", new { runId = entry.RunId, taskId = entry.TaskId, error = ex.Message });
                ended = end;
            }
            finally
            {
                _slots.Release();
            }

            await end.ConfigureAwait(false);
            end = ended;
            endTaskId = entry.TaskId;
        }
    }

    private IRunIsolation? Isolation(string workspace, bool worktree, bool fresh)
        => worktree
            ? new Worktrees.WorktreeIsolation(Worktrees.WorktreeSettings.From(ConfigResolver.ResolveCached(new ConfigSources(_context!.Home, workspace, _environment))), fresh)
            : null;

    /// <summary>
    /// Runs one queued run until its runner has finished and its outcome is in the ledger; returns the run's end
    /// (see <see cref="EndAsync"/>), which comes after <paramref name="previousEnd"/> and never faults.
    /// </summary>
    private async Task<Task> RunOneAsync(QueueEntry entry, Task previousEnd)
    {
        var log = _context!.Log;
        var store = new TaskStore(entry.Workspace);
        var ledger = new RunLedger(store.LedgerPath);
        using var stop = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, stop.Token);
        lock (_gate)
        {
            _stops[entry.RunId] = stop;
        }

        try
        {
            var config = ConfigResolver.ResolveCached(new ConfigSources(_context.Home, entry.Workspace, _environment));
            var options = TaskRunOptions.FromConfig(config) with
            {
                RunId = entry.RunId,
                CancelMeansInterrupted = true,
                Isolation = Isolation(entry.Workspace, entry.Worktree, entry.Fresh),
                Force = entry.Force,
                Sandbox = entry.Sandbox,
                StopToken = stop.Token,
            };
            var (result, ended) = await TaskExecution.RunDeferringEndAsync(store, entry.TaskId, _registry(), options, linked.Token).ConfigureAwait(false);
            var args = new RunEndedEventArgs { Workspace = entry.Workspace, TaskId = entry.TaskId, RunId = entry.RunId, Status = result.Status, ErrorCode = result.ErrorCode, ErrorMessage = result.ErrorMessage, Artifacts = result.Artifacts };
            return EndAsync(entry, previousEnd, ended, args, () => log.Info("queue", "run ended", new { runId = entry.RunId, taskId = entry.TaskId, status = result.Status, errorCode = result.ErrorCode, durationMs = (long?)result.Duration?.TotalMilliseconds }));
        }
        catch (MsgcodeException ex)
        {
            // The run could not start (task gone or corrupt, runner missing, status forbids it): give it an outcome.
            try
            {
                await ledger.AppendAsync(new RunRecord
                {
                    TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RunId = entry.RunId, TaskId = entry.TaskId, Event = RunEvents.Failed,
                    RunnerKind = string.Empty, Status = RunStatuses.Failed, ErrorCode = ex.ErrorId, ErrorMessage = ex.Message,
                }, Journal).ConfigureAwait(false);
            }
            catch (MsgcodeException write)
            {
                log.Error("queue", "run outcome not recorded", new { runId = entry.RunId, taskId = entry.TaskId, errorId = write.ErrorId });
                return previousEnd; // no "done": the next start will look at the ledger and decide
            }

            var args = new RunEndedEventArgs { Workspace = entry.Workspace, TaskId = entry.TaskId, RunId = entry.RunId, Status = RunStatuses.Failed, ErrorCode = ex.ErrorId, ErrorMessage = ex.Message };
            return EndAsync(entry, previousEnd, Task.CompletedTask, args, () => log.Warn("queue", "run could not start", new { runId = entry.RunId, taskId = entry.TaskId, errorId = ex.ErrorId }));
        }
        catch (Exception ex)
        {
            log.Error("queue", "run failed unexpectedly", new { runId = entry.RunId, taskId = entry.TaskId, error = ex.Message });
            return previousEnd; // no "done": the next start will look at the ledger and decide
        }
        finally
        {
            lock (_gate)
            {
                _stops.Remove(entry.RunId);
            }
        }
    }

    /// <summary>
    /// The end of a run: after the previous run's end, once the run's own bookkeeping has completed (its task
    /// updated, its outcome fsynced), it is logged, marked done in the queue and reported. Never faults.
    /// </summary>
    private async Task EndAsync(QueueEntry entry, Task previousEnd, Task ended, RunEndedEventArgs args, Action logEnd)
    {
        var log = _context!.Log;
        await previousEnd.ConfigureAwait(false);
        try
        {
            await ended.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            log.Error("queue", "run end not recorded", new { runId = entry.RunId, taskId = entry.TaskId, errorId = (ex as MsgcodeException)?.ErrorId, error = ex.Message });
            return; // no "done": the next start will look at the ledger and decide
        }

        try
        {
            logEnd();
            // "done" only saves the next start a ledger lookup; the ledger's outcome record is the durable truth.
            Observe(Journal.AppendAsync(QueuePath, JsonSerializer.Serialize(new QueueEntry { Op = "done", RunId = entry.RunId, Workspace = entry.Workspace, TaskId = entry.TaskId, TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, Options), durable: false), "done hint");
            RunEnded?.Invoke(this, args);
        }
        catch (Exception ex)
        {
            log.Error("queue", "run-ended handler failed", new { runId = entry.RunId, error = ex.Message });
        }
    }

    /// <summary>Reads the queue after a start: what still has to run, what was interrupted, what is done.</summary>
    private List<QueueEntry> Recover()
    {
        var log = _context!.Log;
        var queued = new Dictionary<string, QueueEntry>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var line in JsonlFile.Read(QueuePath, p => log.Warn("queue", "malformed queue line skipped", new { path = p.Target, line = p.Line })))
        {
            QueueEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize<QueueEntry>(line.Text, Options);
            }
            catch (JsonException)
            {
                continue;
            }

            if (entry is null || entry.RunId.Length == 0)
            {
                continue;
            }

            if (!Path.IsPathFullyQualified(entry.Workspace ?? string.Empty))
            {
                log.Warn("queue", "queue entry without a usable workspace skipped", new { runId = entry.RunId, line = line.LineNumber });
                continue;
            }

            if (entry.Op == "done")
            {
                queued.Remove(entry.RunId);
            }
            else if (queued.TryAdd(entry.RunId, entry))
            {
                order.Add(entry.RunId);
            }
        }

        var pending = new List<QueueEntry>();
        foreach (var workspace in queued.Values.Select(e => e.Workspace).Distinct(StringComparer.Ordinal).ToList()) // the loop re-queues interrupted runs
        {
            var store = new TaskStore(workspace);
            if (!Directory.Exists(store.Workspace))
            {
                log.Warn("queue", "workspace of queued runs is gone", new { workspace });
                continue;
            }

            // Runs that were in progress when the previous daemon died: interrupted, never run again as they were.
            foreach (var closed in TaskExecution.RecoverInterrupted(store, p => log.Warn("queue", "ledger problem", new { path = p.Target, line = p.Line })))
            {
                log.Warn("queue", "run interrupted by a crash", new { runId = closed.RunId, taskId = closed.TaskId });
                if (queued.Remove(closed.RunId, out var entry) && RetryOnInterrupt(store, closed.TaskId))
                {
                    var retry = new QueueEntry { RunId = RunLedger.NewRunId(), Workspace = workspace, TaskId = closed.TaskId, TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
                    queued[retry.RunId] = retry;
                    order.Add(retry.RunId);
                    new RunLedger(store.LedgerPath).Append(new RunRecord { TsMs = retry.TsMs, RunId = retry.RunId, TaskId = retry.TaskId, Event = RunEvents.Queued, RunnerKind = string.Empty, Status = "queued" });
                }
            }

            var started = StartedRunIds(store);
            foreach (var entry in queued.Values.Where(e => e.Workspace == workspace).ToList())
            {
                if (started.Contains(entry.RunId))
                {
                    queued.Remove(entry.RunId); // it ran (or was interrupted above): never again
                }
            }
        }

        foreach (var runId in order)
        {
            if (queued.TryGetValue(runId, out var entry))
            {
                pending.Add(entry);
            }
        }

        // Compact: the file keeps only what still has to run.
        AtomicFile.WriteAllText(QueuePath, string.Concat(pending.Select(e => JsonSerializer.Serialize(e, Options) + "\n")));
        if (pending.Count > 0)
        {
            log.Info("queue", "resuming queued runs", new { count = pending.Count });
        }

        return pending;
    }

    private static HashSet<string> StartedRunIds(TaskStore store)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in new RunLedger(store.LedgerPath).ReadAll())
        {
            if (record.Event != RunEvents.Queued)
            {
                ids.Add(record.RunId);
            }
        }

        return ids;
    }

    private static bool RetryOnInterrupt(TaskStore store, string taskId)
    {
        try
        {
            return store.ReadDocument(taskId).RequeueOnInterrupted;
        }
        catch (Exception ex) when (ex is MsgcodeException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    private void Housekeep()
    {
        string[] workspaces;
        lock (_gate)
        {
            workspaces = [.. _lanes.Keys];
        }

        foreach (var workspace in workspaces)
        {
            try
            {
                var config = ConfigResolver.ResolveCached(new ConfigSources(_context!.Home, workspace, _environment));
                var dropped = new RunLedger(new TaskStore(workspace).LedgerPath).Trim(config.GetInt64("runs.retentionDays"), config.GetInt64("runs.retentionCount"), DateTimeOffset.UtcNow);
                if (dropped > 0)
                {
                    _context.Log.Info("housekeeping", "ledger trimmed", new { workspace, runs = dropped });
                }
            }
            catch (MsgcodeException ex)
            {
                _context?.Log.Warn("housekeeping", "ledger trim failed", new { workspace, errorId = ex.ErrorId });
            }
        }
    }
}
