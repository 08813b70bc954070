using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Daemon;

/// <summary>
/// The job scheduler inside the daemon: one timer armed at the earliest next run (re-armed after every
/// change), jobs.json reloaded when cmdlets change it (a file watcher wakes the loop; a stamp check every
/// couple of seconds catches what a watcher misses), and due jobs handed to the same work queue as
/// <c>Invoke-MsgcodeTask -Queue</c>, so they run in the workspace's lane.
/// </summary>
public sealed class JobsComponent : IDaemonComponent
{
    /// <summary>The longest the loop sleeps without looking at jobs.json (and at a wall clock that jumped after a sleep).</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    private readonly IWorkQueue _queue;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly object _gate = new();
    private JobScheduler? _scheduler;
    private DaemonContext? _context;
    private FileSystemWatcher? _watcher;
    private Task? _loop;
    private long? _nextWakeMs;
    private Timer? _housekeeping;

    public JobsComponent(IWorkQueue queue)
    {
        _queue = queue;
    }

    public string Name => "jobs";

    /// <summary>
    /// Test hook (environment MSGCODE_TEST_JOBS_KILL_AT = fired, prepared, enqueued or queued): the daemon SIGKILLs
    /// itself right after that step of its first firing, to test recovery at exactly that point.
    /// </summary>
    public string? TestKillAt { get; init; }

    public Task StartAsync(DaemonContext context, CancellationToken stopping)
    {
        _context = context;
        var store = new JobStore(context.Home, context.Clock);
        _scheduler = new JobScheduler(store, new QueueJobExecutor(_queue, context.Home.Path), context.Clock, context.Log);
        if (!string.IsNullOrEmpty(TestKillAt))
        {
            _scheduler.AfterStep = (stage, key) =>
            {
                if (stage == TestKillAt)
                {
                    context.Log.Warn("jobs", "killing the daemon (test hook)", new { stage, key });
                    System.Diagnostics.Process.GetCurrentProcess().Kill();
                }
            };
        }

        try
        {
            lock (_gate)
            {
                _scheduler.Start();
            }
        }
        catch (MsgcodeException ex)
        {
            // The queue and the control endpoint still work; the loop retries the jobs on its next pass.
            context.Log.Error("jobs", "scheduler recovery failed", new { errorId = ex.ErrorId, path = ex.Target?.ToString(), reason = ex.Message });
        }

        try
        {
            _watcher = new FileSystemWatcher(context.Home.Path, Path.GetFileName(store.Path))
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            _watcher.Changed += (_, _) => Wake();
            _watcher.Created += (_, _) => Wake();
            _watcher.Renamed += (_, _) => Wake();
            _watcher.Deleted += (_, _) => Wake();
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            context.Log.Warn("jobs", "no file watcher on the jobs file; changes are picked up by the periodic check", new { error = ex.Message });
        }

        _housekeeping = new Timer(_ => Housekeep(), null, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(30));
        _loop = Task.Run(() => RunAsync(stopping));
        context.Log.Info("jobs", "scheduler started", new { jobs = _scheduler.Jobs.Count, path = store.Path });
        return Task.CompletedTask;
    }

    public async Task StopAsync(DateTimeOffset deadline)
    {
        _housekeeping?.Dispose();
        _watcher?.Dispose();
        Wake();
        if (_loop is not null)
        {
            await Task.WhenAny(_loop, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
    }

    public void Describe(DaemonRuntimeInfo info)
    {
        lock (_gate)
        {
            info.JobCount = _scheduler?.Jobs.Count ?? 0;
            info.NextJobRunAtMs = _nextWakeMs;
            info.JobsProblem = _scheduler?.FileProblem?.ErrorId;
        }
    }

    /// <summary>
    /// Reads jobs.json now (the chat's /reload), instead of at the next pass. A broken file keeps the last good
    /// schedule: the answer is the number of jobs in force, the file, and why the file cannot be read (or null).
    /// </summary>
    public (int Jobs, string Path, MsgcodeProblem? Problem) ReloadNow()
    {
        if (_scheduler is null || _context is null)
        {
            return (0, string.Empty, null);
        }

        (int, string, MsgcodeProblem?) result;
        lock (_gate)
        {
            _scheduler.ReloadIfChanged();
            result = (_scheduler.Jobs.Count, _context.Home.JobsFile, _scheduler.FileProblem);
        }

        Wake(); // the loop re-arms its timer for the schedule just read
        return result;
    }

    private void Wake() => _wake.Release();

    /// <summary>jobs/runs.jsonl keeps what the task ledgers keep: runs.retentionDays and runs.retentionCount.</summary>
    private void Housekeep()
    {
        try
        {
            var config = _context!.Config;
            int dropped;
            lock (_gate)
            {
                dropped = _scheduler!.TrimRuns(config.GetInt64("runs.retentionDays"), config.GetInt64("runs.retentionCount"));
            }

            if (dropped > 0)
            {
                _context.Log.Info("housekeeping", "job runs trimmed", new { firings = dropped });
            }
        }
        catch (MsgcodeException ex)
        {
            _context?.Log.Warn("housekeeping", "job runs trim failed", new { errorId = ex.ErrorId });
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var clock = _context!.Clock;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                lock (_gate)
                {
                    _scheduler!.ReloadIfChanged();
                    _nextWakeMs = _scheduler.Tick();
                }
            }
            catch (Exception ex)
            {
                _context.Log.Error("jobs", "scheduler pass failed", new { error = ex.Message, type = ex.GetType().Name });
            }

            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            // Never a spin: a pass that left something due (a disk that refuses the firing record) waits a little.
            var delay = _nextWakeMs is long next ? TimeSpan.FromMilliseconds(Math.Max(100, next - now)) : CheckInterval;
            if (delay > CheckInterval)
            {
                delay = CheckInterval;
            }

            try
            {
                if (await _wake.WaitAsync(delay, stopping).ConfigureAwait(false))
                {
                    await Task.Delay(50, stopping).ConfigureAwait(false); // a burst of watcher events is one change
                    while (_wake.CurrentCount > 0 && _wake.Wait(0))
                    {
                    }
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Carries out a firing through the daemon's work queue.</summary>
    private sealed class QueueJobExecutor(IWorkQueue queue, string homePath) : IJobExecutor
    {

        public string Prepare(JobDefinition job, string key)
        {
            var store = new TaskStore(job.Action.Workspace);
            store.RequireWorkspace();
            if (job.Action.Kind != JobActionKinds.RunTask)
            {
                return store.Create(Expand(job.Action.Title ?? job.Name, job, key), Expand(job.Action.Prompt ?? string.Empty, job, key), job.Action.Runner ?? store.DefaultRunnerKind(new Config.ConfigSources(new Config.MsgcodeHome(homePath), job.Action.Workspace)), job.Action.Model).Id;
            }

            var taskId = store.Resolve(job.Action.TaskId ?? string.Empty);
            store.Update(taskId, d =>
            {
                if (d.Status is not (TaskStatuses.Done or TaskStatuses.Canceled))
                {
                    return false;
                }

                d.Status = TaskStatuses.Open; // "run it again" is the job's purpose: reopen a finished task
                return true;
            });
            return taskId;
        }

        public JobDispatch Queue(JobDefinition job, string taskId)
        {
            var run = queue.EnqueueAsync(job.Action.Workspace, taskId).GetAwaiter().GetResult(); // answered once the entry is fsynced, as the synchronous append was
            return new JobDispatch(run.Workspace ?? job.Action.Workspace, taskId, run.RunId);
        }

        public JobDispatch? Find(string workspace, string taskId, long sinceMs)
        {
            if (!Directory.Exists(workspace))
            {
                return null;
            }

            // The workspace's ledger (queued hint, started, outcome) ...
            var store = new TaskStore(workspace);
            var run = new RunLedger(store.LedgerPath).ReadAll().Where(r => r.TaskId == taskId && r.TsMs >= sinceMs).Select(r => r.RunId).FirstOrDefault();
            if (run is not null)
            {
                return new JobDispatch(store.Workspace, taskId, run);
            }

            // ... or the daemon's queue, read only: a run queued whose ledger hint was never written.
            foreach (var (entry, _) in QueueJournal.ReadFile(QueueJournal.PathIn(homePath)))
            {
                if (entry is { Op: "queued" } && entry.TaskId == taskId && entry.TsMs >= sinceMs)
                {
                    return new JobDispatch(store.Workspace, taskId, entry.RunId);
                }
            }

            return null;
        }

        /// <summary>The template's placeholders: {{jobId}}, {{jobName}} and {{key}} (the firing's idempotency key).</summary>
        internal static string Expand(string template, JobDefinition job, string key)
            => template.Replace("{{key}}", key, StringComparison.Ordinal).Replace("{{jobId}}", job.Id, StringComparison.Ordinal).Replace("{{jobName}}", job.Name, StringComparison.Ordinal);

        public JobOutcome? Outcome(JobDispatch dispatch)
        {
            if (!Directory.Exists(dispatch.Workspace))
            {
                return new JobOutcome(JobStatuses.Failed, ErrorIds.WorkspaceNotFound, $"The workspace '{dispatch.Workspace}' disappeared before the run ended.");
            }

            var ledger = new RunLedger(new TaskStore(dispatch.Workspace).LedgerPath);
            var run = ledger.NewestRuns(50, dispatch.TaskId).FirstOrDefault(r => r.RunId == dispatch.RunId);
            if (run is null || run.Status is "queued" or "running")
            {
                return null;
            }

            return new JobOutcome(run.Status, run.ErrorCode, run.ErrorMessage);
        }
    }
}
