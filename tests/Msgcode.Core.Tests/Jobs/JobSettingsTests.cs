using Msgcode.Core.Config;
using Msgcode.Core.Jobs;

namespace Msgcode.Core.Tests.Jobs;

/// <summary>jobs.enabled (the scheduler paused and resumed) and jobs.missedRunPolicy (the policy of jobs that name none).</summary>
public sealed class JobSettingsTests : IDisposable
{
    private static readonly DateTimeOffset Day0 = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly TempDir _dir = new();
    private readonly FakeClock _clock = new(Day0);
    private readonly JobStore _store;
    private readonly string _workspace;

    public JobSettingsTests()
    {
        _store = new JobStore(new MsgcodeHome(_dir.File("home")), _clock);
        _workspace = _dir.File("ws");
        Directory.CreateDirectory(_workspace);
    }

    public void Dispose() => _dir.Dispose();

    private JobDefinition NewJob(JobSchedule schedule, string? policy, string name = "job")
        => _store.Create(new JobDefinition
        {
            Name = name,
            Schedule = schedule,
            Action = new JobAction { Kind = JobActionKinds.NewTask, Workspace = _workspace, Title = "Summarise", Prompt = "echo hi", Runner = "shell" },
            MissedRunPolicy = new JobMissedRunPolicy { Kind = policy },
        });

    private static long Ms(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    [Fact]
    public void A_job_without_its_own_policy_follows_jobs_missedRunPolicy_as_it_is_at_the_catch_up()
    {
        var follows = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), null, "follows");
        var own = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), MissedRunPolicies.RunOnce, "own");
        using (var file = System.Text.Json.JsonDocument.Parse(File.ReadAllText(_store.Path)))
        {
            // Not copied at creation: the job stores no kind, so the setting is read when it matters.
            var policies = file.RootElement.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("missedRunPolicy")).ToList();
            Assert.False(policies[0].TryGetProperty("kind", out _));
            Assert.Equal(MissedRunPolicies.RunOnce, policies[1].GetProperty("kind").GetString());
        }

        // The setting was run-once when the jobs were made; it is skip when the daemon comes back after three days.
        _clock.Now = Day0 + TimeSpan.FromDays(3) + TimeSpan.FromHours(4.5);
        var executor = new FakeExecutor();
        var scheduler = new JobScheduler(_store, executor, _clock) { DefaultMissedRunPolicy = MissedRunPolicies.Skip };
        scheduler.Start();
        scheduler.Tick();
        scheduler.Tick();

        Assert.Equal([JobScheduler.Key(own.Id, Ms("2026-06-04T09:00:00Z"))], executor.Dispatched.Select(d => d.Key));
        var skipped = Assert.Single(_store.NewestRuns(10, follows.Id));
        Assert.Equal(4, skipped.SkippedCount);
        Assert.Equal(MissedRunPolicies.Skip, skipped.Trigger);
        Assert.Contains("jobs.missedRunPolicy", skipped.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(MissedRunPolicies.Skip, new JobInfo(_store.Get(follows.Id), _store.Path, MissedRunPolicies.Skip).MissedRunPolicy);
        Assert.Equal("jobs.missedRunPolicy", new JobInfo(_store.Get(follows.Id), _store.Path, MissedRunPolicies.Skip).MissedRunPolicySource);
        Assert.Equal("Job", new JobInfo(_store.Get(own.Id), _store.Path, MissedRunPolicies.Skip).MissedRunPolicySource);
    }

    [Fact]
    public void Set_MsgcodeJob_default_makes_a_job_follow_the_setting_again()
    {
        var job = NewJob(JobSchedule.Cron("0 9 * * *", "UTC"), MissedRunPolicies.RunAll);
        var edited = _store.Change(job.Id, j => new JobEdit { MissedRunPolicy = MissedRunPolicies.Default }.ApplyTo(j, _clock.GetUtcNow()));
        Assert.Null(edited.MissedRunPolicy.Kind);
        Assert.Equal(MissedRunPolicies.RunAll, edited.MissedRunPolicy.EffectiveKind(MissedRunPolicies.RunAll));
    }

    [Fact]
    public void While_paused_nothing_fires_and_on_resume_what_came_due_is_skipped_not_caught_up()
    {
        var every = NewJob(JobSchedule.Every(TimeSpan.FromMinutes(5), Day0), MissedRunPolicies.RunAll, "every");
        var at = NewJob(JobSchedule.At(Day0.AddMinutes(30)), MissedRunPolicies.RunOnce, "at");
        var executor = new FakeExecutor();
        var scheduler = new JobScheduler(_store, executor, _clock);
        scheduler.Start();
        scheduler.Pause();
        for (var i = 0; i < 24; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(5));
            _store.RequestRun(every.Id);
            scheduler.ReloadIfChanged();
            Assert.Null(scheduler.Tick());
        }

        Assert.Empty(executor.Dispatched);
        scheduler.Resume();
        scheduler.Tick();
        scheduler.Tick();

        // Only the run asked for by hand fires; every occurrence of the two hours off is one skipped record per job.
        Assert.Equal([every.Id], executor.Dispatched.Select(d => d.JobId));
        Assert.StartsWith(every.Id + "@manual:", executor.Dispatched[0].Key, StringComparison.Ordinal);
        var everySkipped = _store.NewestRuns(10, every.Id).Single(r => r.Status == JobStatuses.Skipped);
        Assert.Equal(JobScheduler.PausedTrigger, everySkipped.Trigger);
        Assert.Equal(24, everySkipped.SkippedCount);
        Assert.Equal(JobScheduler.PausedTrigger, Assert.Single(_store.NewestRuns(10, at.Id)).Trigger);
        Assert.Equal(_clock.GetUtcNow().AddMinutes(5).ToUnixTimeMilliseconds(), _store.Get(every.Id).State.NextRunAtMs);
        Assert.Null(_store.Get(at.Id).State.NextRunAtMs);

        // Later passes fire on schedule again, and the skipped 'at' job never comes back as a catch-up.
        _clock.Advance(TimeSpan.FromMinutes(5));
        scheduler.Tick();
        scheduler.Tick();
        Assert.Equal(2, executor.Dispatched.Count);
        Assert.DoesNotContain(executor.Dispatched, d => d.JobId == at.Id);
        Assert.Single(_store.NewestRuns(10, at.Id));
    }
}
