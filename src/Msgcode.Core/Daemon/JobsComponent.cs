using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;

namespace Msgcode.Core.Daemon;

/// <summary>
/// The job scheduler inside the daemon: one timer armed at the earliest next run (re-armed after every
/// change), jobs.json reloaded when cmdlets change it (a file watcher wakes the loop; a stamp check every
/// couple of seconds catches what a watcher misses), and due jobs handed to the same work queue as
/// <c>Invoke-MsgcodeTask -Queue</c>, so they run in the workspace's lane. jobs.enabled and jobs.missedRunPolicy are
/// read on every pass (from the configuration files, unchanged files cost a stamp check), so Set-MsgcodeConfig takes
/// effect within <see cref="CheckInterval"/> without a restart or SIGHUP.
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

    /// <summary>Why a chat cannot take a job's results now (its route removed, archived or paused), or null; asked at each firing.</summary>
    public Func<string, MsgcodeException?>? DeliveryRouteProblem { get; init; }

    public Task StartAsync(DaemonContext context, CancellationToken stopping)
    {
        _context = context;
        var store = new JobStore(context.Home, context.Clock);
        _scheduler = new JobScheduler(store, new QueueJobExecutor(_queue, context.Home.Path, DeliveryRouteProblem), context.Clock, context.Log);
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
            info.JobsEnabled = _scheduler is not { Paused: true };
            info.NextJobRunAtMs = _scheduler is { Paused: true } ? null : _nextWakeMs;
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

    /// <summary>SIGHUP or the chat's /reload: the next pass (at once) reads jobs.enabled and jobs.missedRunPolicy again.</summary>
    public void OnReload(DaemonContext context) => Wake();

    private void Wake() => _wake.Release();

    /// <summary>jobs.enabled decides whether this pass may fire; jobs.missedRunPolicy is the policy of jobs that name none.</summary>
    private void ApplySettings()
    {
        var config = ConfigResolver.ResolveCached(new ConfigSources(_context!.Home));
        var enabled = config.GetBoolean("jobs.enabled");
        _scheduler!.DefaultMissedRunPolicy = config.GetString("jobs.missedRunPolicy") ?? Jobs.MissedRunPolicies.RunOnce;
        if (enabled == !_scheduler.Paused)
        {
            return;
        }

        var source = config["jobs.enabled"];
        if (enabled)
        {
            _scheduler.Resume();
            _context.Log.Info("jobs", "jobs resumed (jobs.enabled is true)", new { source = source.Source, path = source.SourcePath });
        }
        else
        {
            _scheduler.Pause();
            _context.Log.Info("jobs", "jobs paused: nothing fires while jobs.enabled is false", new { source = source.Source, path = source.SourcePath });
        }
    }

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
                    ApplySettings();
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
}
