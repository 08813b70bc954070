using Msgcode.Core.Tasks;

namespace Msgcode.Core.Tests.Tasks;

public class TaskEditTests
{
    [Fact]
    public void Notes_and_close_reason_outlive_a_run_summary()
    {
        using var dir = new TempDir();
        var store = new TaskStore(dir.Path);
        var task = store.Create("t", "p", "pwsh");
        new TaskEdit { Notes = "waiting for review" }.Apply(store, task.Id);
        TaskEdit.Close(TaskStatuses.Canceled, "superseded").Apply(store, task.Id);

        // What a run's end does: it replaces the last summary.
        store.Update(task.Id, d => { d.LastSummary = "run output"; return true; });

        var after = store.Get(task.Id);
        Assert.Equal("waiting for review", after.Notes);
        Assert.Equal("superseded", after.CloseReason);
        Assert.Equal("run output", after.LastSummary);
    }
}
