using Msgcode.Core.Errors;
using Msgcode.Core.Logging;

namespace Msgcode.Core.Jobs;

/// <summary>
/// The scheduling engine, independent of timers and processes so tests drive it with a fake clock. Each
/// <see cref="Tick"/> fires what is due, applies the missed-run policy to what came due while nothing was
/// running (a downtime, a sleep), follows queued runs to their outcome, and returns when it next needs to
/// run. Every firing has an idempotency key, <c>&lt;jobId&gt;@&lt;occurrence&gt;</c>, appended (fsynced) to
/// jobs/runs.jsonl before its work is queued: a restart, even after SIGKILL, never fires the same
/// occurrence twice, and a firing whose work never got queued is recorded as interrupted.
/// </summary>
public sealed class JobScheduler
{
    /// <summary>An occurrence this late or less is on time; older ones were missed (the daemon was down or asleep).</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    /// <summary>How often queued runs are checked for their outcome.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly JobStore _store;
    private readonly IJobExecutor _executor;
    private readonly TimeProvider _clock;
    private readonly MsgcodeLog? _log;
    private readonly HashSet<string> _fired = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string JobId, JobDispatch Dispatch)> _running = new(StringComparer.Ordinal);
    private readonly LoadedJobs _loaded;

    public JobScheduler(JobStore store, IJobExecutor executor, TimeProvider clock, MsgcodeLog? log = null)
    {
        _store = store;
        _executor = executor;
        _clock = clock;
        _log = log;
        _loaded = new LoadedJobs(store, log);
    }

    /// <summary>The last good schedule (kept while jobs.json is broken).</summary>
    public IReadOnlyList<JobDefinition> Jobs => _loaded.Jobs;

    /// <summary>Why jobs.json cannot be read now, or null.</summary>
    public MsgcodeProblem? FileProblem => _loaded.FileProblem;

    public int RunningCount => _running.Count;

    /// <summary>Test hook: called with the stage (fired, prepared, enqueued, queued) and the key right after each step of a firing.</summary>
    public Action<string, string>? AfterStep { get; set; }

    public JobsFileStamp? Stamp => _loaded.Stamp;

    /// <summary>jobs.missedRunPolicy: the policy of jobs that name none, read at each catch-up (the daemon sets it before every pass).</summary>
    public string DefaultMissedRunPolicy { get; set; } = MissedRunPolicies.RunOnce;

    /// <summary>jobs.enabled is false: <see cref="Tick"/> fires nothing (no schedule, catch-up or manual run) until <see cref="Resume"/>.</summary>
    public bool Paused { get; private set; }

    /// <summary>The trigger of the skipped record written for occurrences that came due while jobs.enabled was false.</summary>
    public const string PausedTrigger = "jobs.enabled";

    /// <summary>Stops firing (jobs.enabled turned false). Runs already queued are still followed to their outcome.</summary>
    public void Pause() => Paused = true;

    /// <summary>Fires again (jobs.enabled turned true): what came due meanwhile is skipped (<see cref="PausedOccurrences"/>); a run requested meanwhile fires now.</summary>
    public void Resume()
    {
        if (Paused)
        {
            Paused = false;
            PausedOccurrences.Skip(_loaded, _store, NowMs);
        }
    }

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>After a start: reads the firing ledger (keys already fired; firings whose work never got queued are recorded as interrupted) and loads the jobs.</summary>
    public void Start()
    {
        var open = new Dictionary<string, (JobRunRecord Fired, JobRunRecord? Queued)>(StringComparer.Ordinal);
        var prepared = new Dictionary<string, JobRunRecord>(StringComparer.Ordinal);
        foreach (var record in _store.ReadRuns(p => _log?.Warn("jobs", "malformed job run line skipped", new { path = p.Target, line = p.Line })))
        {
            if (record.Key is null)
            {
                continue;
            }

            if (record.Event == JobRunEvents.Fired)
            {
                _fired.Add(record.Key);
                open[record.Key] = (record, null);
            }
            else if (record.Event == JobRunEvents.Prepared)
            {
                prepared[record.Key] = record;
            }
            else if (record.Event == JobRunEvents.Queued && open.TryGetValue(record.Key, out var entry))
            {
                open[record.Key] = (entry.Fired, record);
            }
            else if (JobRunEvents.IsOutcome(record.Event))
            {
                open.Remove(record.Key);
            }
        }

        _loaded.ReloadIfChanged();
        var now = NowMs;
        foreach (var (key, (fired, queued)) in open)
        {
            if (queued is { TaskId: { } taskId, RunId: { } runId, Workspace: { } workspace })
            {
                _running[key] = (fired.JobId, new JobDispatch(workspace, taskId, runId)); // the queue resumes or closes it; its outcome is followed
                continue;
            }

            if (prepared.TryGetValue(key, out var task) && task is { TaskId: { } preparedTask, Workspace: { } preparedWorkspace }
                && _executor.Find(preparedWorkspace, preparedTask, fired.TsMs) is { } found)
            {
                // The crash came after the work was queued and before that was recorded here: follow it, it runs (or ran) once.
                _store.AppendRun(new JobRunRecord { TsMs = now, JobId = fired.JobId, Key = key, Event = JobRunEvents.Queued, Workspace = found.Workspace, TaskId = found.TaskId, RunId = found.RunId });
                _running[key] = (fired.JobId, found);
                continue;
            }

            // The daemon died between recording the firing and queueing its work: never fired again, recorded as interrupted.
            _store.AppendRun(new JobRunRecord
            {
                TsMs = now, JobId = fired.JobId, Key = key, Event = JobRunEvents.Interrupted, Status = JobStatuses.Interrupted, ErrorCode = ErrorIds.RunInterrupted,
                TaskId = prepared.TryGetValue(key, out var orphan) ? orphan.TaskId : null,
                ErrorMessage = "The daemon stopped after the firing was recorded and before its work was queued; the occurrence is not fired again.",
            });
            _log?.Warn("jobs", "firing interrupted by a restart", new { jobId = fired.JobId, key });
            _loaded.SetState(fired.JobId, s =>
            {
                s.LastStatus = JobStatuses.Interrupted;
                s.LastErrorCode = ErrorIds.RunInterrupted;
                s.RunningSince = null;
            });
        }

        _loaded.Persist();
    }

    /// <summary>Reloads jobs.json when it changed. A broken file keeps the last good schedule and is reported once per version.</summary>
    public bool ReloadIfChanged() => _loaded.ReloadIfChanged();

    /// <summary>Fires what is due, applies missed-run policies, follows runs; returns the next instant it needs to run (ms), or null.</summary>
    public long? Tick()
    {
        var now = NowMs;
        PollRunning(now);
        if (Paused)
        {
            _loaded.Persist();
            return _running.Count > 0 ? now + (long)PollInterval.TotalMilliseconds : null;
        }

        foreach (var job in _loaded.Jobs)
        {
            try
            {
                Evaluate(job, now);
            }
            catch (MsgcodeException ex)
            {
                // A schedule edited by hand into something invalid: that job waits (no cursor, so no timer spins on it), the others run.
                var invalidSchedule = ex.ErrorId is ErrorIds.JobScheduleInvalid or ErrorIds.JobTimeZoneInvalid or ErrorIds.JobIntervalInvalid;
                if (job.State.LastErrorCode != ex.ErrorId || (invalidSchedule && job.State.NextRunAtMs is not null))
                {
                    _log?.Warn("jobs", "job cannot be scheduled", new { jobId = job.Id, errorId = ex.ErrorId, reason = ex.Message });
                    _loaded.SetState(job.Id, s =>
                    {
                        s.LastErrorCode = ex.ErrorId;
                        s.NextRunAtMs = invalidSchedule ? null : s.NextRunAtMs;
                    });
                }
            }
        }

        _loaded.Persist();
        return NextWakeMs();
    }

    /// <summary>The earliest instant anything is due: the one timer the daemon arms.</summary>
    public long? NextWakeMs()
    {
        long? next = null;
        foreach (var job in _loaded.Jobs)
        {
            if (!job.Enabled && job.State.RunRequestedAtMs is null)
            {
                continue;
            }

            var due = job.State.RunRequestedAtMs is not null && !_fired.Contains(ManualKey(job.Id, job.State.RunRequestedAtMs.Value))
                ? job.State.RunRequestedAtMs
                : job.Enabled ? job.State.NextRunAtMs : null;
            if (due is long d && (next is null || d < next))
            {
                next = d;
            }
        }

        if (_running.Count > 0)
        {
            var poll = NowMs + (long)PollInterval.TotalMilliseconds;
            next = next is null ? poll : Math.Min(next.Value, poll);
        }

        return next;
    }

    /// <summary>Trims jobs/runs.jsonl by age and count (see <see cref="JobStore.TrimRuns"/>).</summary>
    public int TrimRuns(long retentionDays, long retentionCount) => _store.TrimRuns(retentionDays, retentionCount, _clock.GetUtcNow());

    public static string Key(string jobId, long occurrenceMs) => $"{jobId}@{occurrenceMs}";

    public static string ManualKey(string jobId, long requestedMs) => $"{jobId}@manual:{requestedMs}";

    private void Evaluate(JobDefinition job, long now)
    {
        if (job.State.RunRequestedAtMs is long requested)
        {
            var key = ManualKey(job.Id, requested);
            if (!_fired.Contains(key))
            {
                Fire(job, key, requested, JobTriggers.Manual, now);
            }
        }

        if (!job.Enabled)
        {
            return;
        }

        var schedule = job.Schedule;
        var cursor = job.State.NextRunAtMs;
        if (cursor is null)
        {
            if (schedule.Kind == JobScheduleKinds.At)
            {
                // An 'at' job with no cursor has run, unless it never did (written by hand): then its instant is the cursor.
                // A skipped one (its policy, or jobs.enabled off at its instant) has had its turn as well.
                if (job.State.LastRunAtMs is not null || job.State.LastStatus == JobStatuses.Skipped || schedule.AtMs is not long at || _fired.Contains(Key(job.Id, at)))
                {
                    return;
                }

                cursor = at;
            }
            else
            {
                JobScheduleMath.Validate(schedule, null);
                var first = JobScheduleMath.NextAfter(schedule, now);
                _loaded.SetState(job.Id, s => s.NextRunAtMs = first);
                return;
            }
        }

        if (cursor > now)
        {
            return;
        }

        JobScheduleMath.Validate(schedule, null);
        var policy = job.MissedRunPolicy.EffectiveKind(DefaultMissedRunPolicy);
        var keep = Math.Clamp(job.MissedRunPolicy.Max, 1, JobMissedRunPolicy.Limit) + 1;
        var window = JobScheduleMath.Between(schedule, cursor.Value, now, keep);
        var next = JobScheduleMath.NextAfter(schedule, now);
        if (window.Count == 0)
        {
            _loaded.SetState(job.Id, s => s.NextRunAtMs = next); // the cursor was not an occurrence (schedule edited by hand)
            return;
        }

        var plan = MissedRunPlan.For(window, policy, job.MissedRunPolicy.Max, now, t => _fired.Contains(Key(job.Id, t)));
        if (plan.Skipped > 0)
        {
            _store.AppendRun(new JobRunRecord
            {
                TsMs = now, JobId = job.Id, Event = JobRunEvents.Skipped, Status = JobStatuses.Skipped, Trigger = policy,
                Count = plan.Skipped, FirstAtMs = window.FirstMs, LastAtMs = plan.LastSkippedMs,
                ErrorMessage = $"{plan.Skipped} occurrence(s) missed while the daemon was not running; missed-run policy {policy}{(job.MissedRunPolicy.Kind is null ? " (jobs.missedRunPolicy)" : string.Empty)}.",
            });
            _log?.Info("jobs", "missed occurrences skipped", new { jobId = job.Id, count = plan.Skipped, policy });
        }

        foreach (var (at, trigger) in plan.ToFire)
        {
            var key = Key(job.Id, at);
            if (!_fired.Contains(key))
            {
                Fire(job, key, at, trigger, now);
            }
        }

        if (plan.Skipped > 0 && plan.ToFire.Count == 0 && plan.FiredBefore == 0)
        {
            _loaded.SetState(job.Id, s => s.LastStatus = JobStatuses.Skipped);
        }

        _loaded.SetState(job.Id, s => s.NextRunAtMs = next);
    }

    private void Fire(JobDefinition job, string key, long scheduledAt, string trigger, long now)
    {
        // 1. The key, durably, before anything else: from here on this occurrence never fires again.
        _store.AppendRun(new JobRunRecord { TsMs = now, JobId = job.Id, Key = key, Event = JobRunEvents.Fired, Trigger = trigger, ScheduledAtMs = scheduledAt, Workspace = job.Action.Workspace });
        _fired.Add(key);
        AfterStep?.Invoke(JobRunEvents.Fired, key);
        if (trigger == JobTriggers.Manual)
        {
            _loaded.SetState(job.Id, s => s.RunRequestedAtMs = s.RunRequestedAtMs == scheduledAt ? null : s.RunRequestedAtMs);
        }

        // 2. The task, recorded (fsynced) so a restart can tell whether its run got queued; then the run, into the daemon's lanes.
        JobDispatch dispatch;
        try
        {
            var taskId = _executor.Prepare(job, key);
            _store.AppendRun(new JobRunRecord { TsMs = NowMs, JobId = job.Id, Key = key, Event = JobRunEvents.Prepared, Workspace = job.Action.Workspace, TaskId = taskId });
            AfterStep?.Invoke(JobRunEvents.Prepared, key);
            dispatch = _executor.Queue(job, taskId);
            AfterStep?.Invoke("enqueued", key);
        }
        catch (Exception ex) when (ex is MsgcodeException or ArgumentException or IOException or UnauthorizedAccessException or FormatException)
        {
            // A refusal, or an action edited by hand into something unusable (an empty workspace path): the firing
            // gets its outcome now, under a stable id, and the pass goes on with the other jobs.
            var errorId = (ex as MsgcodeException)?.ErrorId ?? ErrorIds.JobActionInvalid;
            _store.AppendRun(new JobRunRecord
            {
                TsMs = NowMs, JobId = job.Id, Key = key, Event = JobRunEvents.Failed, Status = JobStatuses.Failed, ErrorCode = errorId, ErrorMessage = ex.Message,
                Workspace = job.Action.Workspace,
            });
            _log?.Warn("jobs", "job could not run", new { jobId = job.Id, key, errorId });
            _loaded.SetState(job.Id, s =>
            {
                s.LastRunAtMs = now;
                s.LastStatus = JobStatuses.Failed;
                s.LastErrorCode = errorId;
            });
            return;
        }

        // 3. What was queued: a hint for the next start (the queue's own file is the durable record of the run).
        _store.AppendRun(new JobRunRecord { TsMs = NowMs, JobId = job.Id, Key = key, Event = JobRunEvents.Queued, Workspace = dispatch.Workspace, TaskId = dispatch.TaskId, RunId = dispatch.RunId }, fsync: false);
        AfterStep?.Invoke(JobRunEvents.Queued, key);
        _running[key] = (job.Id, dispatch);
        _log?.Info("jobs", "job fired", new { jobId = job.Id, key, trigger, taskId = dispatch.TaskId, runId = dispatch.RunId });
        _loaded.SetState(job.Id, s =>
        {
            s.LastRunAtMs = now;
            s.LastStatus = JobStatuses.Queued;
            s.LastErrorCode = null;
            s.RunningSince = now;
            s.LastTaskId = dispatch.TaskId;
        });
    }

    private void PollRunning(long now)
    {
        foreach (var (key, (jobId, dispatch)) in _running.ToList())
        {
            JobOutcome? outcome;
            try
            {
                outcome = _executor.Outcome(dispatch);
            }
            catch (MsgcodeException ex)
            {
                outcome = new JobOutcome(JobStatuses.Failed, ex.ErrorId, ex.Message);
            }

            if (outcome is null)
            {
                continue;
            }

            _running.Remove(key);
            var evt = outcome.Status switch
            {
                Runners.RunStatuses.Succeeded => JobRunEvents.Finished,
                JobStatuses.Interrupted => JobRunEvents.Interrupted,
                Runners.RunStatuses.Canceled => JobRunEvents.Canceled,
                _ => JobRunEvents.Failed,
            };
            _store.AppendRun(new JobRunRecord
            {
                TsMs = now, JobId = jobId, Key = key, Event = evt, Status = outcome.Status, ErrorCode = outcome.ErrorCode, ErrorMessage = outcome.ErrorMessage,
                Workspace = dispatch.Workspace, TaskId = dispatch.TaskId, RunId = dispatch.RunId,
            });
            var stillRunning = _running.Values.Any(r => r.JobId == jobId);
            _loaded.SetState(jobId, s =>
            {
                s.LastStatus = outcome.Status;
                s.LastErrorCode = outcome.ErrorCode;
                s.RunningSince = stillRunning ? s.RunningSince : null;
            });
        }
    }
}
