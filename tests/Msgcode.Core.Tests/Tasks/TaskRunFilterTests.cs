using Msgcode.Core.Runs;

namespace Msgcode.Core.Tests.Tasks;

/// <summary>Get-MsgcodeTaskRun -Status -Runner -Since: which runs a filter keeps.</summary>
public class TaskRunFilterTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static TaskRunInfo Run(string status, string runner = "shell", DateTimeOffset? started = null, string taskId = "tsk_a")
        => new() { RunId = "run_" + status, TaskId = taskId, Runner = runner, Status = status, StartedAt = started };

    [Fact]
    public void Matches_by_task_status_runner_and_start_and_keeps_queued_runs_for_since()
    {
        var filter = new TaskRunFilter { Statuses = ["failed", "timedOut"], Runners = ["Claude"], Since = Noon };
        Assert.True(filter.Matches(Run("failed", "claude", Noon)));
        Assert.True(filter.Matches(Run("timedOut", "claude", Noon.AddHours(1))));
        Assert.False(filter.Matches(Run("succeeded", "claude", Noon)));
        Assert.False(filter.Matches(Run("failed", "shell", Noon)));
        Assert.False(filter.Matches(Run("failed", "claude", Noon.AddSeconds(-1))));
        Assert.True(filter.Matches(Run("failed", "claude", started: null)), "a run not started yet is not older than any moment");

        Assert.True(new TaskRunFilter().Matches(Run("running")));
        Assert.False(new TaskRunFilter { TaskId = "tsk_b" }.Matches(Run("running")));
    }
}
