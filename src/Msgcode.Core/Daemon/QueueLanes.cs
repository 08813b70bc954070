using Msgcode.Core.Logging;

namespace Msgcode.Core.Daemon;

/// <summary>
/// The work queue's lanes: one per workspace for the runs in the workspace itself, which run one after another, and
/// one per task for runs isolated in a worktree (-Worktree), which run beside each other and beside the workspace's
/// lane, at most <c>worktree.maxParallelRuns</c> per workspace. All lanes together run at most
/// <c>daemon.maxConcurrentRuns</c> runs at once, and two runs of one task never overlap, whatever their lanes.
/// </summary>
internal sealed class QueueLanes
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly List<Task> _workers = [];
    private readonly Func<bool> _accepting;
    private readonly Func<QueueEntry, Task, Task<Task>> _run;
    private readonly Dictionary<string, SemaphoreSlim> _isolatedSlots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task> _taskEnds = new(StringComparer.Ordinal);
    private SemaphoreSlim _slots = new(2);
    private int _maxIsolatedPerWorkspace = Environment.ProcessorCount;
    private MsgcodeLog? _log;

    /// <param name="accepting">Whether the queue still takes work; once it does not, a lane starts nothing more
    /// (what it has not started stays in queue.jsonl and runs after the next start).</param>
    /// <param name="run">Runs one entry given the end of the lane's previous run; returns the entry's run's end,
    /// which comes after that one and never faults.</param>
    public QueueLanes(Func<bool> accepting, Func<QueueEntry, Task, Task<Task>> run)
    {
        _accepting = accepting;
        _run = run;
    }

    private sealed class Lane(string workspace, bool isolated)
    {
        public string Workspace { get; } = workspace;

        /// <summary>A lane of one task's isolated runs (its key is the workspace and the task).</summary>
        public bool Isolated { get; } = isolated;

        public Queue<QueueEntry> Pending { get; } = new();

        public string? Running { get; set; }

        public Task? Worker { get; set; }
    }

    /// <summary>
    /// Before the first <see cref="Dispatch"/>: how many runs may run at once across lanes, and how many isolated
    /// runs per workspace (0: one per core).
    /// </summary>
    public void Start(int maxConcurrentRuns, int maxIsolatedPerWorkspace, MsgcodeLog log)
    {
        _slots = new SemaphoreSlim(maxConcurrentRuns);
        _maxIsolatedPerWorkspace = maxIsolatedPerWorkspace > 0 ? maxIsolatedPerWorkspace : Environment.ProcessorCount;
        _log = log;
    }

    /// <summary>Drops what waits in the lanes (it is still in queue.jsonl: it runs after the next start); returns the lanes' workers.</summary>
    public Task[] Stop()
    {
        lock (_gate)
        {
            foreach (var lane in _lanes.Values)
            {
                lane.Pending.Clear();
            }

            return [.. _workers];
        }
    }

    /// <summary>Whether a run of the task waits in or runs in the lane of <paramref name="fullWorkspace"/> (a full path).</summary>
    public bool HoldsRunOf(string fullWorkspace, string taskId)
    {
        lock (_gate)
        {
            return _lanes.Values.Any(l => string.Equals(Path.TrimEndingDirectorySeparator(l.Workspace), fullWorkspace, StringComparison.Ordinal) && (l.Running == taskId || l.Pending.Any(e => e.TaskId == taskId)));
        }
    }

    /// <summary>The workspaces that have had a lane since the start.</summary>
    public string[] Workspaces()
    {
        lock (_gate)
        {
            return [.. _lanes.Values.Where(l => !l.Isolated).Select(l => l.Workspace).Concat(_isolatedSlots.Keys).Distinct(StringComparer.Ordinal)];
        }
    }

    public void Describe(DaemonRuntimeInfo info)
    {
        lock (_gate)
        {
            foreach (var lane in _lanes.Values)
            {
                if (lane.Pending.Count == 0 && lane.Running is null)
                {
                    continue;
                }

                info.Lanes.Add(new DaemonLaneInfo { Workspace = lane.Workspace, Queued = lane.Pending.Count, RunningTaskId = lane.Running });
                info.QueueDepth += lane.Pending.Count;
                info.RunningCount += lane.Running is null ? 0 : 1;
            }
        }
    }

    /// <summary>Puts an entry at the end of its lane (and starts the lane's worker if it has none).</summary>
    public void Dispatch(QueueEntry entry)
    {
        lock (_gate)
        {
            var key = entry.Worktree ? entry.Workspace + "\0" + entry.TaskId : entry.Workspace;
            if (!_lanes.TryGetValue(key, out var lane))
            {
                lane = new Lane(entry.Workspace, entry.Worktree);
                _lanes[key] = lane;
                if (entry.Worktree && !_isolatedSlots.ContainsKey(entry.Workspace))
                {
                    _isolatedSlots[entry.Workspace] = new SemaphoreSlim(_maxIsolatedPerWorkspace);
                }
            }

            lane.Pending.Enqueue(entry);
            if (lane.Worker is null)
            {
                lane.Worker = Task.Run(() => DrainLaneAsync(key, lane));
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
    private async Task DrainLaneAsync(string key, Lane lane)
    {
        var end = Task.CompletedTask; // the end of the lane's latest run (it never faults)
        string? endTaskId = null;
        while (true)
        {
            QueueEntry? entry = null;
            lock (_gate)
            {
                if (lane.Pending.Count == 0 || !_accepting() && lane.Running is not null)
                {
                    if (end.IsCompleted)
                    {
                        lane.Running = null;
                        lane.Worker = null; // under the lock: Dispatch starts a new worker for the next entry
                        if (lane.Isolated && lane.Pending.Count == 0)
                        {
                            _lanes.Remove(key); // a task's lane lives while it has runs: tasks come and go
                        }

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

            // A run of the same task in another lane (in the workspace itself, or isolated) must have ended too.
            var taskKey = lane.Workspace + "\0" + entry.TaskId;
            var started = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
            while (true)
            {
                Task other;
                lock (_gate)
                {
                    if (!_taskEnds.TryGetValue(taskKey, out other!) || other.IsCompleted)
                    {
                        _taskEnds[taskKey] = started.Task.Unwrap();
                        break;
                    }
                }

                await other.ConfigureAwait(false);
            }

            var isolatedSlot = lane.Isolated ? IsolatedSlot(lane.Workspace) : null;
            if (isolatedSlot is not null)
            {
                await isolatedSlot.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await _slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            Task ended = end;
            try
            {
                if (!_accepting())
                {
                    await end.ConfigureAwait(false);
                    lock (_gate)
                    {
                        lane.Running = null;
                        lane.Worker = null;
                    }

                    started.SetResult(Task.CompletedTask);
                    return; // stopping: the entry stays in queue.jsonl and runs after the next start
                }

                ended = await _run(entry, end).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Never the end of the lane (a queue entry edited by hand into an unusable workspace path): the entry
                // gets no "done", so the next start looks at it again, and the lane goes on with the next one.
                _log?.Error("queue", "run could not be started", new { runId = entry.RunId, taskId = entry.TaskId, error = ex.Message });
                ended = end;
            }
            finally
            {
                _slots.Release();
                isolatedSlot?.Release();
            }

            started.TrySetResult(ended);
            _ = ended.ContinueWith(_ => ForgetEnded(taskKey), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            await end.ConfigureAwait(false);
            end = ended;
            endTaskId = entry.TaskId;
        }
    }

    /// <summary>Drops a task's ended run from the map of runs other lanes wait for (tasks come and go).</summary>
    private void ForgetEnded(string taskKey)
    {
        lock (_gate)
        {
            if (_taskEnds.TryGetValue(taskKey, out var latest) && latest.IsCompleted)
            {
                _taskEnds.Remove(taskKey);
            }
        }
    }

    private SemaphoreSlim IsolatedSlot(string workspace)
    {
        lock (_gate)
        {
            return _isolatedSlots[workspace];
        }
    }
}
