using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using Msgcode.Core.Runners;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Daemon;

/// <summary>
/// The daemon's queued runs: durable in <c>&lt;home&gt;/queue.jsonl</c> (<see cref="QueueJournal"/>; the daemon is its only writer),
/// run serially per workspace (runs isolated in worktrees beside each other) and in parallel across workspaces up to
/// <c>daemon.maxConcurrentRuns</c> (<see cref="QueueLanes"/>).
/// A run's id is fixed when it is queued, and the workspace's ledger says what became of it, so after a
/// crash every queued run runs exactly once, a run that was in progress is recorded as interrupted (and
/// queued again only if its task asks for that), and completed work never runs again (<see cref="QueueRecovery"/>).
/// This class ties them together: it takes runs in, runs each one and records its end.
/// </summary>
public sealed class WorkQueue : IDaemonComponent, IWorkQueue
{
    private readonly Func<RunnerRegistry> _registry;
    private readonly object _gate = new(); // guards _committing; an entry moves from it into its lane under it (lanes have their own lock, taken inside)
    private readonly QueueLanes _lanes;
    private readonly RunStops _stops = new();
    private readonly Queue<(QueueEntry Entry, Task Committed)> _committing = new(); // queued runs whose record is being fsynced, in arrival order
    private readonly CancellationTokenSource _abort = new();
    private DaemonContext? _context;
    private QueueJournal? _journal;
    private volatile bool _accepting;
    private QueueHousekeeping? _housekeeping;
    private IReadOnlyDictionary<string, string> _environment = new Dictionary<string, string>();

    public WorkQueue(RunnerRegistry registry)
        : this(() => registry)
    {
    }

    /// <param name="registry">The runners for the next run, asked once per run (a cached registry that is
    /// loaded again when its files change lets an edit of capabilities.json take effect without a restart).</param>
    public WorkQueue(Func<RunnerRegistry> registry)
    {
        _registry = registry;
        _lanes = new QueueLanes(() => _accepting, RunOneAsync);
    }

    /// <inheritdoc/>
    public RunnerRegistry Runners => _registry();

    public string Name => "queue";

    /// <inheritdoc/>
    public event EventHandler<RunEndedEventArgs>? RunEnded;

    /// <inheritdoc/>
    public bool Cancel(string runId) => _stops.Cancel(runId);

    private QueueJournal Journal => _journal!;

    public Task StartAsync(DaemonContext context, CancellationToken stopping)
    {
        _context = context;
        _journal = new QueueJournal(context.Home.Path, context.Journal);
        _environment = ConfigSources.SnapshotEnvironment(); // the daemon's own environment: read once, not per run
        _lanes.Start((int)context.Config.GetInt64("daemon.maxConcurrentRuns"), (int)context.Config.GetInt64("worktree.maxParallelRuns"), context.Log);
        var recovered = QueueRecovery.Recover(Journal, context.Log);
        // Accepting before the recovered runs reach their lanes: a lane that checked first would take a recovered
        // run for one left by a stop, and leave it (and its workspace's later runs) until the next start.
        _accepting = true;
        foreach (var entry in recovered)
        {
            _lanes.Dispatch(entry);
        }

        _housekeeping = new QueueHousekeeping(_lanes.Workspaces, ConfigOf, context.Log);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    /// <remarks>Called over the control endpoint, by the job scheduler and by the channel service.</remarks>
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
            }, Journal.Writer, writeHere: false), "queued hint");
            // Written by a pool thread, not here: this connection's next requests join the batch while it is fsynced.
            committed = Journal.AppendQueuedAsync(entry);
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

    /// <inheritdoc/>
    public bool HoldsRunOf(string workspace, string taskId)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workspace));
        lock (_gate)
        {
            return _committing.Any(c => c.Entry.TaskId == taskId) || _lanes.HoldsRunOf(full, taskId);
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
                    _lanes.Dispatch(entry);
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
        var workers = _lanes.Stop();
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

    /// <inheritdoc/>
    public void Describe(DaemonRuntimeInfo info) => _lanes.Describe(info);

    /// <summary>A workspace's configuration: the daemon's home, the workspace's files and the daemon's own environment.</summary>
    private ConfigReport ConfigOf(string workspace) => ConfigResolver.ResolveCached(new ConfigSources(_context!.Home, workspace, _environment));

    private IRunIsolation? Isolation(string workspace, bool worktree, bool fresh)
        => worktree
            ? new Worktrees.WorktreeIsolation(Worktrees.WorktreeSettings.From(ConfigOf(workspace)), fresh)
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
        _stops.Add(entry.RunId, stop);

        try
        {
            var config = ConfigOf(entry.Workspace);
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
            return EndAsync(entry, previousEnd, ended, args, () => log.Info("queue", "run ended", new { runId = entry.RunId, taskId = entry.TaskId, status = result.Status, errorCode = result.ErrorCode, durationMs = (long?)(result.DurationSeconds * 1000) }));
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
                }, Journal.Writer).ConfigureAwait(false);
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
            _stops.Remove(entry.RunId);
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
            Observe(Journal.AppendDoneAsync(entry), "done hint");
            RunEnded?.Invoke(this, args);
        }
        catch (Exception ex)
        {
            log.Error("queue", "run-ended handler failed", new { runId = entry.RunId, error = ex.Message });
        }
    }
}
