using Msgcode.Core.Errors;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Tests.Tasks;

public class TaskRemovalTests
{
    [Fact]
    public void Removing_a_task_removes_its_files_and_index_entry_and_keeps_its_runs_unless_asked()
    {
        using var dir = new TempDir();
        var store = new TaskStore(dir.Path);
        var gone = store.Create("gone", "p", "pwsh");
        var stays = store.Create("stays", "p", "pwsh");
        var ledger = new RunLedger(store.LedgerPath);
        RunRecord R(string run, string task, string evt) => new() { RunId = run, TaskId = task, Event = evt, RunnerKind = "pwsh", Status = evt, TsMs = 1 };
        ledger.AppendMany([R("r1", gone.Id, RunEvents.Started), R("r1", gone.Id, RunEvents.Finished), R("r2", stays.Id, RunEvents.Started), R("r2", stays.Id, RunEvents.Finished)]);
        File.AppendAllText(ledger.Path, "garbage line\n");
        Directory.CreateDirectory(Path.Combine(store.ArtifactsDirectory, "r1"));
        Directory.CreateDirectory(Path.Combine(store.ArtifactsDirectory, "r2"));

        Assert.Empty(store.Remove(gone.Id, removeRuns: false));
        Assert.False(File.Exists(store.JsonPath(gone.Id)));
        Assert.False(File.Exists(store.MarkdownPath(gone.Id)));
        Assert.Equal([stays.Id], store.List().Select(t => t.Id));
        Assert.DoesNotContain(gone.Id, File.ReadAllText(store.IndexPath), StringComparison.Ordinal);
        Assert.Equal(["r2", "r1"], ledger.NewestRuns(10).Select(r => r.RunId));

        // The runs of a removed task can still go, with their artifacts; another task's and a line not understood stay.
        var again = store.Create("again", "p", "pwsh");
        ledger.AppendMany([R("r3", again.Id, RunEvents.Started), R("r3", again.Id, RunEvents.Finished)]);
        Directory.CreateDirectory(Path.Combine(store.ArtifactsDirectory, "r3"));
        Assert.Equal(["r3"], store.Remove(again.Id, removeRuns: true));
        Assert.Equal(["r2", "r1"], ledger.NewestRuns(10).Select(r => r.RunId));
        Assert.False(Directory.Exists(Path.Combine(store.ArtifactsDirectory, "r3")));
        Assert.True(Directory.Exists(Path.Combine(store.ArtifactsDirectory, "r2")));
        Assert.Contains("garbage line", File.ReadAllText(ledger.Path), StringComparison.Ordinal);
    }

    [Fact]
    public void A_running_or_queued_task_is_refused_and_nothing_changes()
    {
        using var dir = new TempDir();
        var store = new TaskStore(dir.Path);
        var running = store.Create("running", "p", "pwsh");
        store.Update(running.Id, d =>
        {
            d.Status = TaskStatuses.Running;
            d.CurrentRun = TaskRunClaim.ForThisProcess("run_live", DateTimeOffset.UtcNow); // this process: live
            return true;
        });
        Assert.Equal(ErrorIds.TaskAlreadyRunning, Assert.Throws<MsgcodeException>(() => store.Remove(running.Id, removeRuns: true)).ErrorId);
        Assert.True(File.Exists(store.JsonPath(running.Id)));

        var queued = store.Create("queued", "p", "pwsh");
        new RunLedger(store.LedgerPath).Append(new RunRecord { RunId = "run_q", TaskId = queued.Id, Event = RunEvents.Queued, RunnerKind = "pwsh", Status = "queued", TsMs = 1 });
        Assert.Equal(ErrorIds.TaskAlreadyRunning, Assert.Throws<MsgcodeException>(() => store.Remove(queued.Id, removeRuns: false)).ErrorId);
        Assert.True(File.Exists(store.MarkdownPath(queued.Id)));
    }
}
