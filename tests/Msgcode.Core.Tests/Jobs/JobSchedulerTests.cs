using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;

namespace Msgcode.Core.Tests.Jobs;

/// <summary>A clock the test moves by hand.</summary>
public sealed class FakeClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>Records what the scheduler queues; every run succeeds at once unless told otherwise.</summary>
public sealed class FakeExecutor : IJobExecutor
{
    public List<(string JobId, string Key)> Dispatched { get; } = [];

    public Func<JobDefinition, Exception?> Fail { get; set; } = _ => null;

    public bool Finish { get; set; } = true;

    public string Prepare(JobDefinition job, string key)
    {
        if (Fail(job) is { } ex)
        {
            throw ex;
        }

        Dispatched.Add((job.Id, key));
        return "tsk_" + Dispatched.Count;
    }

    public JobDispatch Queue(JobDefinition job, string taskId) => new(job.Action.Workspace, taskId, "run_" + taskId[4..]);

    /// <summary>Runs queued before a crash, by task id (what the daemon finds in the workspace's ledger or queue).</summary>
    public Dictionary<string, JobDispatch> Queued { get; } = new(StringComparer.Ordinal);

    public JobDispatch? Find(string workspace, string taskId, long sinceMs) => Queued.GetValueOrDefault(taskId);

    public JobOutcome? Outcome(JobDispatch dispatch) => Finish ? new JobOutcome("succeeded", null, null) : null;
}

public sealed class JobSchedulerTests : IDisposable
{
    private static readonly DateTimeOffset Day0 = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly TempDir _dir = new();
    private readonly FakeClock _clock = new(Day0);
    private readonly JobStore _store;
    private readonly string _workspace;

    public JobSchedulerTests()
    {
        _store = new JobStore(new MsgcodeHome(_dir.File("home")), _clock);
        _workspace = _dir.File("ws");
        Directory.CreateDirectory(_workspace);
    }

    public void Dispose() => _dir.Dispose();

    private JobDefinition NewJob(JobSchedule schedule, string policy = MissedRunPolicies.RunOnce, int max = 10, string name = "job")
        => _store.Create(new JobDefinition
        {
            Name = name,
            Schedule = schedule,
            Action = new JobAction { Kind = JobActionKinds.NewTask, Workspace = _workspace, Title = "Summarise", Prompt = "echo hi", Runner = "shell" },
            MissedRunPolicy = new JobMissedRunPolicy { Kind = policy, Max = max },
        });

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    private static long Ms(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    // ---- next-run computation ----

    [Fact]
    public void Cron_next_run_across_spring_forward_in_New_York()
    {
        // 2026-03-08: clocks in New York jump from 02:00 EST to 03:00 EDT; 02:30 does not exist that day.
        var daily0230 = JobSchedule.Cron("30 2 * * *", "America/New_York");
        var next = JobScheduleMath.NextAfter(daily0230, Ms("2026-03-07T12:00:00Z"));
        Assert.Equal(Ms("2026-03-08T07:00:00Z"), next); // the skipped 02:30 runs at 03:00 EDT, once
        Assert.Equal(Ms("2026-03-09T06:30:00Z"), JobScheduleMath.NextAfter(daily0230, next!.Value)); // 02:30 EDT

        // 09:00 local stays 09:00 local: 14:00Z before the change, 13:00Z after it (a 23-hour day).
        var daily0900 = JobSchedule.Cron("0 9 * * *", "America/New_York");
        var before = JobScheduleMath.NextAfter(daily0900, Ms("2026-03-07T00:00:00Z"));
        Assert.Equal(Ms("2026-03-07T14:00:00Z"), before);
        Assert.Equal(Ms("2026-03-08T13:00:00Z"), JobScheduleMath.NextAfter(daily0900, before!.Value));
    }

    [Fact]
    public void Cron_next_run_across_fall_back_in_New_York_fires_the_repeated_hour_once()
    {
        // 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice.
        var daily0130 = JobSchedule.Cron("30 1 * * *", "America/New_York");
        var first = JobScheduleMath.NextAfter(daily0130, Ms("2026-10-31T12:00:00Z"));
        Assert.Equal(Ms("2026-11-01T05:30:00Z"), first); // 01:30 EDT
        var second = JobScheduleMath.NextAfter(daily0130, first!.Value);
        Assert.Equal(Ms("2026-11-02T06:30:00Z"), second); // not 01:30 EST the same night: next day, 01:30 EST

        var window = JobScheduleMath.Between(daily0130, Ms("2026-10-31T12:00:00Z"), Ms("2026-11-02T12:00:00Z"), 10);
        Assert.Equal(2, window.Count);
    }

    [Fact]
    public void Weekday_mornings_in_Shanghai()
    {
        var weekdays = JobSchedule.Cron("0 9 * * 1-5", "Asia/Shanghai");
        // Friday 2026-06-05 10:00 Shanghai → Monday 2026-06-08 09:00 Shanghai (01:00Z).
        Assert.Equal(Ms("2026-06-08T01:00:00Z"), JobScheduleMath.NextAfter(weekdays, Ms("2026-06-05T02:00:00Z")));
    }

    [Fact]
    public void Every_counts_from_its_anchor_and_at_is_one_instant()
    {
        var every = JobSchedule.Every(TimeSpan.FromMinutes(15), Day0);
        Assert.Equal(Ms(Day0), JobScheduleMath.FirstAtOrAfter(every, Ms(Day0)));
        Assert.Equal(Ms(Day0.AddMinutes(15)), JobScheduleMath.NextAfter(every, Ms(Day0)));
        Assert.Equal(Ms(Day0.AddMinutes(45)), JobScheduleMath.NextAfter(every, Ms(Day0.AddMinutes(31))));
        var window = JobScheduleMath.Between(every, Ms(Day0), Ms(Day0.AddHours(3)), 2);
        Assert.Equal(13, window.Count);
        Assert.Equal([Ms(Day0.AddMinutes(165)), Ms(Day0.AddMinutes(180))], window.Latest);

        var at = JobSchedule.At(Day0.AddHours(1));
        Assert.Equal(Ms(Day0.AddHours(1)), JobScheduleMath.NextAfter(at, Ms(Day0)));
        Assert.Null(JobScheduleMath.NextAfter(at, Ms(Day0.AddHours(1))));
    }

    // ---- firing and missed-run policies ----

    [Fact]
    public void A_due_job_fires_once_and_its_next_run_moves_on()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        Assert.Equal(Ms("2026-06-01T09:00:00Z"), job.State.NextRunAtMs);
        var executor = new FakeExecutor();
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        Assert.Equal(Ms("2026-06-01T09:00:00Z"), scheduler.Tick());
        Assert.Empty(executor.Dispatched);

        _clock.Now = new DateTimeOffset(2026, 6, 1, 9, 0, 0, 200, TimeSpan.Zero);
        scheduler.ReloadIfChanged();
        scheduler.Tick();
        Assert.Equal([(job.Id, JobScheduler.Key(job.Id, Ms("2026-06-01T09:00:00Z")))], executor.Dispatched);
        scheduler.Tick(); // the outcome is followed
        var stored = _store.Get(job.Id);
        Assert.Equal(Ms("2026-06-02T09:00:00Z"), stored.State.NextRunAtMs);
        Assert.Equal("succeeded", stored.State.LastStatus);
        Assert.Null(stored.State.RunningSince);
        var run = Assert.Single(_store.NewestRuns(10, job.Id));
        Assert.Equal("succeeded", run.Status);
        Assert.Equal(JobTriggers.Schedule, run.Trigger);
    }

    private (FakeExecutor Executor, JobDefinition Job) DownForThreeDays(string policy, int max = 10, JobSchedule? schedule = null)
    {
        var job = NewJob(schedule ?? JobSchedule.Cron("0 9 * * *", "UTC"), policy, max);
        _clock.Now = Day0 + TimeSpan.FromDays(3) + TimeSpan.FromHours(4.5); // day 3, 12:30: 09:00 of days 0..3 were missed
        var executor = new FakeExecutor();
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        scheduler.Tick();
        scheduler.Tick();
        return (executor, _store.Get(job.Id));
    }

    [Fact]
    public void Skip_after_a_three_day_downtime_runs_nothing_and_records_the_missed_occurrences()
    {
        var (executor, job) = DownForThreeDays(MissedRunPolicies.Skip);
        Assert.Empty(executor.Dispatched);
        var skipped = Assert.Single(_store.NewestRuns(10, job.Id));
        Assert.Equal(JobStatuses.Skipped, skipped.Status);
        Assert.Equal(4, skipped.SkippedCount);
        Assert.Equal(Ms("2026-06-05T09:00:00Z"), job.State.NextRunAtMs);
        Assert.Equal(JobStatuses.Skipped, job.State.LastStatus);
    }

    [Fact]
    public void Run_once_after_a_three_day_downtime_runs_the_latest_occurrence_once()
    {
        var (executor, job) = DownForThreeDays(MissedRunPolicies.RunOnce);
        Assert.Equal([JobScheduler.Key(job.Id, Ms("2026-06-04T09:00:00Z"))], executor.Dispatched.Select(d => d.Key));
        var runs = _store.NewestRuns(10, job.Id);
        Assert.Equal(JobTriggers.CatchUp, runs.Single(r => r.Status == "succeeded").Trigger);
        Assert.Equal(3, runs.Single(r => r.Status == JobStatuses.Skipped).SkippedCount);
        Assert.Equal(Ms("2026-06-05T09:00:00Z"), job.State.NextRunAtMs);
    }

    [Fact]
    public void Run_all_after_a_three_day_downtime_runs_every_occurrence_oldest_first()
    {
        var (executor, job) = DownForThreeDays(MissedRunPolicies.RunAll);
        Assert.Equal(
            new[] { "2026-06-01T09:00:00Z", "2026-06-02T09:00:00Z", "2026-06-03T09:00:00Z", "2026-06-04T09:00:00Z" }.Select(t => JobScheduler.Key(job.Id, Ms(t))),
            executor.Dispatched.Select(d => d.Key));
        Assert.DoesNotContain(_store.NewestRuns(10, job.Id), r => r.Status == JobStatuses.Skipped);
    }

    [Fact]
    public void Run_all_is_bounded_by_its_maximum()
    {
        // Every hour for three days: 76 occurrences missed; at most 5 run (the latest), the rest are recorded as skipped.
        var (executor, job) = DownForThreeDays(MissedRunPolicies.RunAll, 5, JobSchedule.Every(TimeSpan.FromHours(1), Day0));
        Assert.Equal(5, executor.Dispatched.Count);
        Assert.Equal(JobScheduler.Key(job.Id, Ms(_clock.Now.AddMinutes(-30))), executor.Dispatched[^1].Key);
        Assert.Equal(JobScheduler.Key(job.Id, Ms(_clock.Now.AddMinutes(-270))), executor.Dispatched[0].Key);
        Assert.Equal(76 - 5, _store.NewestRuns(10, job.Id).Single(r => r.Status == JobStatuses.Skipped).SkippedCount);
    }

    [Fact]
    public void A_missed_at_follows_the_policy_too()
    {
        var job = NewJob(JobSchedule.At(Day0.AddHours(1)), MissedRunPolicies.RunOnce);
        _clock.Now = Day0.AddDays(3);
        var executor = new FakeExecutor();
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        scheduler.Tick();
        Assert.Single(executor.Dispatched);
        Assert.Null(_store.Get(job.Id).State.NextRunAtMs);
        scheduler.Tick();
        Assert.Single(executor.Dispatched);
    }

    [Fact]
    public void A_sleep_of_three_days_without_a_restart_applies_the_policy_too()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), MissedRunPolicies.RunOnce);
        var executor = new FakeExecutor();
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        scheduler.Tick();
        _clock.Advance(TimeSpan.FromDays(3) + TimeSpan.FromHours(5)); // the machine slept; the timer wakes late
        scheduler.Tick();
        Assert.Equal([JobScheduler.Key(job.Id, Ms("2026-06-04T09:00:00Z"))], executor.Dispatched.Select(d => d.Key));
        Assert.Equal(JobTriggers.CatchUp, _store.NewestRuns(10, job.Id).First(r => r.Key is not null).Trigger);
    }

    // ---- hot reload ----

    [Fact]
    public void A_job_added_by_a_cmdlet_while_the_scheduler_runs_is_picked_up_and_fires()
    {
        var executor = new FakeExecutor();
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        Assert.Null(scheduler.Tick());
        Assert.False(scheduler.ReloadIfChanged());

        // Another process (a cmdlet) adds a job: its own store on the same home.
        var cmdlet = new JobStore(new MsgcodeHome(_dir.File("home")), _clock);
        var job = cmdlet.Create(new JobDefinition
        {
            Name = "added", Schedule = JobSchedule.Every(TimeSpan.FromSeconds(2), _clock.Now),
            Action = new JobAction { Kind = JobActionKinds.NewTask, Workspace = _workspace, Title = "t", Runner = "shell" },
        });
        Assert.True(scheduler.ReloadIfChanged());
        Assert.Equal(Ms(_clock.Now.AddSeconds(2)), scheduler.Tick()); // the one timer is armed for it
        _clock.Advance(TimeSpan.FromSeconds(2));
        scheduler.Tick();
        Assert.Equal([JobScheduler.Key(job.Id, Ms(_clock.Now))], executor.Dispatched.Select(d => d.Key));
    }

    [Fact]
    public void A_schedule_changed_by_a_cmdlet_wins_over_the_state_the_scheduler_writes_at_the_same_time()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        var executor = new FakeExecutor { Finish = false };
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        _clock.Now = new DateTimeOffset(2026, 6, 1, 9, 0, 1, TimeSpan.Zero);

        // The cmdlet moves the job to 10:00 after the scheduler loaded it and before it fires and saves.
        var cmdlet = new JobStore(new MsgcodeHome(_dir.File("home")), _clock);
        cmdlet.Change(job.Id, j => { j.Schedule.Expr = "0 10 * * *"; return true; });
        scheduler.Tick(); // fires 09:00 from what it had loaded, then saves its state without undoing the change
        var stored = _store.Get(job.Id);
        Assert.Equal("0 10 * * *", stored.Schedule.Expr);
        Assert.Equal(Ms("2026-06-01T10:00:00Z"), stored.State.NextRunAtMs);
        Assert.Equal(JobStatuses.Queued, stored.State.LastStatus);
        Assert.NotNull(stored.State.RunningSince);

        scheduler.ReloadIfChanged();
        _clock.Now = new DateTimeOffset(2026, 6, 1, 10, 0, 1, TimeSpan.Zero);
        scheduler.Tick();
        Assert.Equal(2, executor.Dispatched.Count);
        Assert.Equal(JobScheduler.Key(job.Id, Ms("2026-06-01T10:00:00Z")), executor.Dispatched[1].Key);
    }

    [Fact]
    public void A_hand_edit_made_while_the_store_writes_is_kept_and_the_change_applied_to_it()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        var path = _store.Path;
        var calls = 0;
        _store.Update(jobs =>
        {
            if (++calls == 1)
            {
                // A person's editor saves the file (no lock) after the store read it and before it replaces it.
                File.WriteAllText(path, File.ReadAllText(path).Replace("Summarise", "Summarise by hand", StringComparison.Ordinal));
            }

            jobs.Single().State.LastStatus = JobStatuses.Queued;
            return (true, 0);
        });

        Assert.Equal(2, calls); // the change was applied again, to what the person saved
        var stored = _store.Get(job.Id);
        Assert.Equal("Summarise by hand", stored.Action.Title);
        Assert.Equal(JobStatuses.Queued, stored.State.LastStatus);
    }

    [Fact]
    public void Fields_this_version_does_not_know_are_kept_in_every_part_of_a_job()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(_store.Path))!;
        var stored = root["jobs"]![0]!;
        foreach (var part in new[] { "schedule", "action", "delivery", "missedRunPolicy", "state" })
        {
            stored[part]!["x-" + part] = "kept";
        }

        File.WriteAllText(_store.Path, root.ToJsonString());
        _store.Change(job.Id, j => { j.Enabled = false; return true; });
        var written = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(_store.Path))!["jobs"]![0]!;
        Assert.False((bool)written["enabled"]!);
        foreach (var part in new[] { "schedule", "action", "delivery", "missedRunPolicy", "state" })
        {
            Assert.Equal("kept", (string?)written[part]!["x-" + part]);
        }
    }

    [Fact]
    public void A_file_that_keeps_changing_under_the_store_is_refused_with_FileWriteFailed_and_left_as_it_is()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        var path = _store.Path;
        var calls = 0;
        var ex = Assert.Throws<MsgcodeException>(() => _store.Update(jobs =>
        {
            calls++;
            File.WriteAllText(path, File.ReadAllText(path).Replace("Summarise", "Summarise" + calls, StringComparison.Ordinal)); // someone saves again and again
            jobs.Single().State.LastStatus = JobStatuses.Queued;
            return (true, 0);
        }));

        Assert.Equal(ErrorIds.FileWriteFailed, ex.ErrorId);
        Assert.Equal(5, calls);
        var stored = _store.Get(job.Id);
        Assert.Equal("Summarise54321", stored.Action.Title); // every save of theirs kept (each one renamed it again)...
        Assert.NotEqual(JobStatuses.Queued, stored.State.LastStatus); // ...and the store's change never written over them
    }

    [Fact]
    public void A_hand_edit_that_breaks_the_file_while_the_store_writes_is_never_written_over()
    {
        NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        var path = _store.Path;
        const string broken = "{ \"version\": 1, \"jobs\": [ oops";
        var ex = Assert.Throws<MsgcodeException>(() => _store.Update(jobs =>
        {
            File.WriteAllText(path, broken);
            jobs.Single().State.LastStatus = JobStatuses.Queued;
            return (true, 0);
        }));

        Assert.Equal(ErrorIds.JobsFileInvalid, ex.ErrorId);
        Assert.Equal(broken, File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*" + Msgcode.Core.Storage.AtomicFile.TempSuffix, new EnumerationOptions { AttributesToSkip = 0 }));
    }

    // ---- idempotency across restarts ----

    [Fact]
    public void Idempotency_key_is_the_job_and_its_occurrence()
    {
        Assert.Equal("job_abc@1780304400000", JobScheduler.Key("job_abc", 1780304400000));
        Assert.Equal("job_abc@manual:5", JobScheduler.ManualKey("job_abc", 5));
        Assert.NotEqual(JobScheduler.Key("job_abc", 1), JobScheduler.Key("job_abd", 1));
    }

    [Fact]
    public void A_restart_after_a_crash_before_the_state_was_saved_never_fires_the_occurrence_again()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        var before = File.ReadAllText(_store.Path);
        _clock.Now = new DateTimeOffset(2026, 6, 1, 9, 0, 1, TimeSpan.Zero);
        var first = new FakeExecutor { Finish = false };
        var scheduler = new JobScheduler(_store, first, _clock);
        scheduler.Start();
        scheduler.Tick();
        Assert.Single(first.Dispatched);

        // SIGKILL right after queueing: jobs.json never got the new state.
        File.WriteAllText(_store.Path, before);
        var second = new FakeExecutor();
        var restarted = new JobScheduler(_store, second, _clock);
        restarted.Start();
        restarted.Tick();
        restarted.Tick();
        Assert.Empty(second.Dispatched);
        var run = Assert.Single(_store.NewestRuns(10, job.Id));
        Assert.Equal("succeeded", run.Status); // the queued run was followed to its outcome after the restart
        Assert.Equal(Ms("2026-06-02T09:00:00Z"), _store.Get(job.Id).State.NextRunAtMs);
    }

    [Fact]
    public void A_firing_whose_work_was_never_queued_is_recorded_interrupted_and_not_fired_again()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        var occurrence = Ms("2026-06-01T09:00:00Z");
        var key = JobScheduler.Key(job.Id, occurrence);
        // The daemon died between the fired record and the queue.
        _store.AppendRun(new JobRunRecord { TsMs = occurrence, JobId = job.Id, Key = key, Event = JobRunEvents.Fired, ScheduledAtMs = occurrence, Trigger = JobTriggers.Schedule });
        _clock.Now = new DateTimeOffset(2026, 6, 1, 9, 0, 5, TimeSpan.Zero);
        var executor = new FakeExecutor();
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        scheduler.Tick();
        Assert.Empty(executor.Dispatched);
        var run = Assert.Single(_store.NewestRuns(10, job.Id));
        Assert.Equal(JobStatuses.Interrupted, run.Status);
        Assert.Equal(ErrorIds.RunInterrupted, run.ErrorCode);
        Assert.Equal(JobStatuses.Interrupted, _store.Get(job.Id).State.LastStatus);
    }

    [Fact]
    public void A_firing_whose_run_was_queued_just_before_the_crash_is_followed_not_interrupted()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        var occurrence = Ms("2026-06-01T09:00:00Z");
        var key = JobScheduler.Key(job.Id, occurrence);
        // The daemon died after queueing the run and before recording that it had.
        _store.AppendRun(new JobRunRecord { TsMs = occurrence, JobId = job.Id, Key = key, Event = JobRunEvents.Fired, ScheduledAtMs = occurrence, Trigger = JobTriggers.Schedule });
        _store.AppendRun(new JobRunRecord { TsMs = occurrence, JobId = job.Id, Key = key, Event = JobRunEvents.Prepared, Workspace = _workspace, TaskId = "tsk_a" });
        var executor = new FakeExecutor();
        executor.Queued["tsk_a"] = new JobDispatch(_workspace, "tsk_a", "run_a");
        _clock.Now = new DateTimeOffset(2026, 6, 1, 9, 0, 5, TimeSpan.Zero);
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        scheduler.Tick();
        Assert.Empty(executor.Dispatched);
        var run = Assert.Single(_store.NewestRuns(10, job.Id));
        Assert.Equal("succeeded", run.Status);
        Assert.Equal("run_a", run.RunId);

        // Without a queued run, the prepared task is named in the interrupted record.
        var key2 = JobScheduler.Key(job.Id, occurrence + 1);
        _store.AppendRun(new JobRunRecord { TsMs = occurrence, JobId = job.Id, Key = key2, Event = JobRunEvents.Fired, ScheduledAtMs = occurrence + 1 });
        _store.AppendRun(new JobRunRecord { TsMs = occurrence, JobId = job.Id, Key = key2, Event = JobRunEvents.Prepared, Workspace = _workspace, TaskId = "tsk_b" });
        new JobScheduler(_store, executor, _clock).Start();
        var interrupted = _store.NewestRuns(10, job.Id).Single(r => r.Key == key2);
        Assert.Equal(JobStatuses.Interrupted, interrupted.Status);
        Assert.Equal("tsk_b", interrupted.TaskId);
        Assert.Empty(executor.Dispatched);
    }

    [Fact]
    public void A_run_requested_now_fires_once()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        _store.RequestRun(job.Name);
        var executor = new FakeExecutor();
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        scheduler.Tick();
        scheduler.Tick();
        new JobScheduler(_store, executor, _clock).Start();
        Assert.Single(executor.Dispatched);
        Assert.StartsWith(job.Id + "@manual:", executor.Dispatched[0].Key);
        Assert.Null(_store.Get(job.Id).State.RunRequestedAtMs);
    }

    // ---- bad input ----

    [Fact]
    public void Invalid_cron_expression_is_JobScheduleInvalid()
    {
        Assert.Equal(ErrorIds.JobScheduleInvalid, Assert.Throws<MsgcodeException>(() => NewJob(JobSchedule.Cron("61 9 * * *", "UTC"))).ErrorId);
        Assert.Equal(ErrorIds.JobScheduleInvalid, Assert.Throws<MsgcodeException>(() => NewJob(JobSchedule.Cron("every day", "UTC"))).ErrorId);
        Assert.Equal(ErrorIds.JobScheduleInvalid, Assert.Throws<MsgcodeException>(() => NewJob(JobSchedule.Cron("0 0 30 2 *", "UTC"))).ErrorId); // never occurs
    }

    [Fact]
    public void Invalid_or_missing_time_zone_is_JobTimeZoneInvalid()
    {
        Assert.Equal(ErrorIds.JobTimeZoneInvalid, Assert.Throws<MsgcodeException>(() => NewJob(JobSchedule.Cron("0 9 * * *", "Mars/Olympus_Mons"))).ErrorId);
        Assert.Equal(ErrorIds.JobTimeZoneInvalid, Assert.Throws<MsgcodeException>(() => NewJob(JobSchedule.Cron("0 9 * * *", ""))).ErrorId);
    }

    [Fact]
    public void Every_of_zero_is_JobIntervalInvalid()
        => Assert.Equal(ErrorIds.JobIntervalInvalid, Assert.Throws<MsgcodeException>(() => NewJob(JobSchedule.Every(TimeSpan.Zero, Day0))).ErrorId);

    [Fact]
    public void At_in_the_past_is_JobAtInPast()
        => Assert.Equal(ErrorIds.JobAtInPast, Assert.Throws<MsgcodeException>(() => NewJob(JobSchedule.At(Day0.AddMinutes(-1)))).ErrorId);

    [Fact]
    public void Enabling_an_at_job_whose_instant_has_passed_is_JobAtInPast_and_never_a_catch_up_run()
    {
        var job = NewJob(JobSchedule.At(Day0.AddMinutes(30)));
        _store.Change(job.Id, j => { j.Enabled = false; return true; });
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(ErrorIds.JobAtInPast, Assert.Throws<MsgcodeException>(() => _store.Change(job.Id, j => { j.Enabled = true; return true; })).ErrorId);
        Assert.False(_store.Get(job.Id).Enabled);
        var executor = new FakeExecutor();
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        scheduler.Tick();
        Assert.Empty(executor.Dispatched);
    }

    [Fact]
    public void A_job_whose_schedule_was_broken_by_hand_can_still_be_disabled_started_and_removed()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        _store.Update(jobs => { jobs.Single(j => j.Id == job.Id).Schedule.Tz = "Nowhere/Land"; return (true, 0); }); // as a hand edit would
        Assert.NotNull(_store.RequestRun(job.Id).State.RunRequestedAtMs);
        Assert.False(_store.Change(job.Id, j => { j.Enabled = false; return true; }).Enabled);
        Assert.Equal(ErrorIds.JobTimeZoneInvalid, Assert.Throws<MsgcodeException>(() => _store.Change(job.Id, j => { j.Enabled = true; return true; })).ErrorId);
        _store.Remove(job.Id);
        Assert.Empty(_store.List());
    }

    [Fact]
    public void A_firing_whose_action_is_unusable_fails_with_JobActionInvalid_and_the_other_jobs_still_fire()
    {
        var bad = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), name: "bad");
        var good = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), name: "good");
        _clock.Now = new DateTimeOffset(2026, 6, 1, 9, 0, 1, TimeSpan.Zero);
        var executor = new FakeExecutor { Fail = j => j.Id == bad.Id ? new ArgumentException("The path is empty.", "path") : null }; // what an empty workspace edited in by hand gives
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        scheduler.Tick();
        Assert.Equal([good.Id], executor.Dispatched.Select(d => d.JobId));
        var failed = _store.Get(bad.Id).State;
        Assert.Equal(ErrorIds.JobActionInvalid, failed.LastErrorCode);
        Assert.Equal(JobStatuses.Failed, failed.LastStatus);
    }

    [Fact]
    public void Names_are_unique_ids_resolve_and_unknown_jobs_are_JobNotFound()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), name: "Morning");
        Assert.Equal(ErrorIds.JobNameExists, Assert.Throws<MsgcodeException>(() => NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), name: "morning")).ErrorId);
        Assert.Equal(job.Id, _store.Get("MORNING").Id);
        Assert.Equal(job.Id, _store.Get(job.Id[..12]).Id);
        Assert.Equal(ErrorIds.JobNotFound, Assert.Throws<MsgcodeException>(() => _store.Get("evening")).ErrorId);
        Assert.Equal(ErrorIds.JobActionInvalid, Assert.Throws<MsgcodeException>(() => NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), name: " ")).ErrorId);
    }

    [Fact]
    public void A_hand_broken_jobs_file_is_never_written_over_and_the_scheduler_keeps_the_last_good_schedule()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        var executor = new FakeExecutor();
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        scheduler.Tick();

        var broken = File.ReadAllText(_store.Path).Replace("\"jobs\": [", "\"jobs\": [,", StringComparison.Ordinal);
        File.WriteAllText(_store.Path, broken);
        Assert.Equal(ErrorIds.JobsFileInvalid, Assert.Throws<MsgcodeException>(() => NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), name: "other")).ErrorId);
        Assert.Equal(ErrorIds.JobsFileInvalid, Assert.Throws<MsgcodeException>(() => _store.Remove(job.Id)).ErrorId);

        scheduler.ReloadIfChanged();
        Assert.Equal(ErrorIds.JobsFileInvalid, scheduler.FileProblem?.ErrorId);
        Assert.Single(scheduler.Jobs);
        _clock.Now = new DateTimeOffset(2026, 6, 1, 9, 0, 1, TimeSpan.Zero);
        scheduler.Tick();
        scheduler.Tick();
        Assert.Single(executor.Dispatched); // the last good schedule still runs
        Assert.Equal(broken, File.ReadAllText(_store.Path)); // and the user's file is untouched

        // Repaired by hand: picked up, and the state kept in memory is written into it.
        File.WriteAllText(_store.Path, broken.Replace("\"jobs\": [,", "\"jobs\": [", StringComparison.Ordinal));
        Assert.True(scheduler.ReloadIfChanged());
        Assert.Null(scheduler.FileProblem);
        scheduler.Tick();
        Assert.Single(executor.Dispatched);
        Assert.Equal(Ms("2026-06-02T09:00:00Z"), _store.Get(job.Id).State.NextRunAtMs);
    }

    [Fact]
    public void A_workspace_that_disappeared_is_WorkspaceNotFound_for_new_jobs_and_a_failed_run_for_old_ones()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"));
        Directory.Delete(_workspace);
        Assert.Equal(ErrorIds.WorkspaceNotFound, Assert.Throws<MsgcodeException>(() => NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), name: "other")).ErrorId);

        var executor = new FakeExecutor
        {
            Fail = j => Directory.Exists(j.Action.Workspace) ? null : new MsgcodeException(ErrorIds.WorkspaceNotFound, MsgcodeErrorCategory.ObjectNotFound, j.Action.Workspace, "gone"),
        };
        _clock.Now = new DateTimeOffset(2026, 6, 1, 9, 0, 1, TimeSpan.Zero);
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        scheduler.Tick();
        var stored = _store.Get(job.Id);
        Assert.Equal(ErrorIds.WorkspaceNotFound, stored.State.LastErrorCode);
        Assert.Equal(JobStatuses.Failed, stored.State.LastStatus);
        Assert.Equal(ErrorIds.WorkspaceNotFound, Assert.Single(_store.NewestRuns(10, job.Id)).ErrorCode);

        // Disabling or removing such a job still works.
        _store.Change(job.Id, j => { j.Enabled = false; return true; });
        _store.Remove(job.Id);
    }

    [Fact]
    public void A_schedule_edited_by_hand_into_an_invalid_one_waits_without_spinning_and_the_others_run()
    {
        var bad = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), name: "bad");
        var good = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), name: "good");
        _store.Update(jobs => { jobs.Single(j => j.Id == bad.Id).Schedule.Tz = "Nowhere/Land"; return (true, 0); }); // as a hand edit would
        _clock.Now = new DateTimeOffset(2026, 6, 1, 9, 0, 1, TimeSpan.Zero);
        var executor = new FakeExecutor { Finish = false };
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        var next = scheduler.Tick();
        Assert.Equal([good.Id], executor.Dispatched.Select(d => d.JobId));
        var stamp = File.GetLastWriteTimeUtc(_store.Path);
        var content = File.ReadAllText(_store.Path);
        scheduler.Tick();
        scheduler.Tick();
        Assert.Equal(content, File.ReadAllText(_store.Path)); // idle passes write nothing
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(_store.Path));
        Assert.True(next is null || next > Ms(_clock.Now), "no timer may be armed in the past");
        var stored = _store.Get(bad.Id);
        Assert.Equal(ErrorIds.JobTimeZoneInvalid, stored.State.LastErrorCode);
        Assert.Null(stored.State.NextRunAtMs);
    }

    [Fact]
    public void Job_runs_are_trimmed_by_age_and_count_but_a_firing_in_progress_is_kept()
    {
        var job = NewJob(JobSchedule.Every(TimeSpan.FromHours(1), Day0));
        var executor = new FakeExecutor();
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromHours(1));
            scheduler.Tick();
            scheduler.Tick();
        }

        executor.Finish = false;
        _clock.Advance(TimeSpan.FromHours(1));
        scheduler.Tick(); // the sixth firing is still running
        Assert.Equal(6, _store.NewestRuns(100, job.Id).Count);
        Assert.Equal(3, scheduler.TrimRuns(0, 3)); // the newest 3 stay (the running one among them), the 3 older ended ones go
        var kept = _store.NewestRuns(100, job.Id);
        Assert.Equal(3, kept.Count);
        Assert.Equal(JobStatuses.Queued, kept[0].Status);
        _clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(2, scheduler.TrimRuns(1, 0)); // older than a day: every ended one
        Assert.Equal(JobStatuses.Queued, Assert.Single(_store.NewestRuns(100, job.Id)).Status);
    }

    [Fact]
    public void Ten_thousand_jobs_schedule_quickly()
    {
        var jobs = Enumerable.Range(0, 10_000).Select(i => JobSchedule.Cron($"{i % 60} {i % 24} * * *", i % 2 == 0 ? "UTC" : "Asia/Shanghai")).ToList();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var now = Ms(Day0);
        foreach (var schedule in jobs)
        {
            Assert.NotNull(JobScheduleMath.NextAfter(schedule, now));
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"10,000 next runs took {watch.Elapsed}");
    }
}
