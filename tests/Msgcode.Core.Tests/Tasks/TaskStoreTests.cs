using Msgcode.Core.Errors;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Tests.Tasks;

public class TaskStoreTests
{
    [Fact]
    public void Ids_are_unique_sortable_and_carry_their_time()
    {
        var ids = Enumerable.Range(0, 20000).Select(_ => TaskId.New()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.All(ids, id => Assert.True(TaskId.IsValid(id)));
        Assert.InRange((DateTimeOffset.UtcNow - TaskId.CreatedAt(ids[0])).TotalSeconds, -1, 60);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("tsk_01/..")]
    [InlineData("")]
    [InlineData("tsk_ilou")]
    public void Hostile_or_malformed_ids_are_refused(string input)
        => Assert.Equal(ErrorIds.TaskIdInvalid, Assert.Throws<MsgcodeException>(() => TaskId.NormalizePrefix(input)).ErrorId);

    [Theory]
    [InlineData("open", "running", false, true)]
    [InlineData("open", "done", false, true)]
    [InlineData("blocked", "open", false, true)]
    [InlineData("running", "done", false, true)]
    [InlineData("done", "open", false, false)]
    [InlineData("done", "open", true, true)]
    [InlineData("canceled", "running", false, false)]
    [InlineData("done", "canceled", true, false)]
    [InlineData("done", "blocked", true, false)]
    public void Status_transitions_follow_the_model(string from, string to, bool force, bool allowed)
    {
        var ex = Record.Exception(() => TaskStatuses.RequireTransition("tsk_x", from, to, force));
        if (allowed)
        {
            Assert.Null(ex);
        }
        else
        {
            Assert.Equal(ErrorIds.TaskTransitionInvalid, Assert.IsType<MsgcodeException>(ex).ErrorId);
        }
    }

    [Fact]
    public void Markdown_round_trips_title_and_prompt()
    {
        var text = TaskMarkdown.Render("A title", "line 1\n\nline 3");
        Assert.True(TaskMarkdown.TryParse(text, out var title, out var prompt, out _));
        Assert.Equal("A title", title);
        Assert.Equal("line 1\n\nline 3", prompt);
        Assert.False(TaskMarkdown.TryParse("no heading", out _, out _, out var error));
        Assert.Contains("# Title", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_list_update_and_resolve_prefixes()
    {
        using var dir = new TempDir();
        var store = new TaskStore(dir.Path);
        Assert.Empty(store.List());
        Assert.False(Directory.Exists(store.TasksDirectory));
        var a = store.Create("first", "p1", "pwsh");
        var b = store.Create("second", "p2", "pwsh");
        Assert.Equal([a.Id, b.Id], store.List().Select(t => t.Id));
        Assert.Equal(a.Id, store.Resolve(a.Id[..24]));
        var updated = store.Update(a.Id[4..], d => { d.Status = TaskStatuses.Blocked; return true; });
        Assert.Equal(TaskStatuses.Blocked, updated.Status);
        Assert.Equal(TaskStatuses.Blocked, store.List()[0].Status);
        Assert.Equal("p1", store.List()[0].Prompt);
    }

    [Fact]
    public async Task Readers_see_whole_tasks_of_their_own_while_updates_go_through_the_spare()
    {
        // Updates exchange the task file with one kept spare per tasks folder: a reader that opened task A just
        // before two updates could meet the spare's new contents (task B). It must read A again, never fail or get B.
        using var dir = new TempDir();
        var store = new TaskStore(dir.Path);
        var a = store.Create("a", "pa", "pwsh");
        var b = store.Create("b", "pb", "pwsh");
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var reader = Task.Factory.StartNew(() => // its own thread: parallel tests may keep every pool thread busy
        {
            while (!stop.IsCancellationRequested)
            {
                var document = store.ReadDocument(a.Id);
                Assert.Equal(a.Id, document.Id);
                Assert.Equal("pa", document.Prompt);
                Interlocked.Increment(ref reads);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var i = 0;
        for (; i < 400 || (Volatile.Read(ref reads) < 500 && clock.Elapsed < TimeSpan.FromSeconds(20)); i++)
        {
            var n = i;
            store.Update(n % 2 == 0 ? a.Id : b.Id, d => { d.LastSummary = new string('x', n % 50); return true; }, durable: n % 3 == 0);
        }

        i--;

        stop.Cancel();
        await reader;
        Assert.True(reads >= 500, $"only {reads} reads met the updates");
        Assert.Equal(new string('x', (i % 2 == 0 ? i : i - 1) % 50), store.ReadDocument(a.Id).LastSummary);
        Assert.Equal(new string('x', (i % 2 == 1 ? i : i - 1) % 50), store.ReadDocument(b.Id).LastSummary);
        Assert.Equal([a.Id, b.Id], store.List().Select(t => t.Id)); // the spare is not a task
        Assert.Empty(Directory.GetFiles(store.TasksDirectory, "*" + Msgcode.Core.Storage.AtomicFile.TempSuffix, new EnumerationOptions { AttributesToSkip = 0 }));
    }

    [Fact]
    public void Trimming_keeps_runs_in_progress_and_the_newest_runs()
    {
        using var dir = new TempDir();
        var ledger = new RunLedger(Path.Combine(dir.Path, "runs.jsonl"));
        var now = DateTimeOffset.UtcNow;
        RunRecord R(string run, string evt, DateTimeOffset at) => new() { RunId = run, TaskId = "tsk_x", Event = evt, RunnerKind = "pwsh", Status = evt, TsMs = at.ToUnixTimeMilliseconds() };
        ledger.AppendMany([
            R("old-open", RunEvents.Started, now.AddDays(-90)),
            R("old-done", RunEvents.Started, now.AddDays(-60)), R("old-done", RunEvents.Finished, now.AddDays(-60)),
            R("r1", RunEvents.Started, now.AddMinutes(-3)), R("r1", RunEvents.Finished, now.AddMinutes(-3)),
            R("r2", RunEvents.Started, now.AddMinutes(-2)), R("r2", RunEvents.Failed, now.AddMinutes(-2)),
            R("r3", RunEvents.Started, now.AddMinutes(-1)), R("r3", RunEvents.Finished, now.AddMinutes(-1)),
        ]);
        File.AppendAllText(ledger.Path, "garbage line\n");
        var dropped = ledger.Trim(retentionDays: 30, retentionCount: 2, now);
        Assert.Equal(2, dropped); // old-done by age, r1 by count
        var left = ledger.ReadAll().Select(r => r.RunId).Distinct().ToList();
        Assert.Equal(["old-open", "r2", "r3"], left);
        Assert.Contains("garbage line", File.ReadAllText(ledger.Path), StringComparison.Ordinal);
        Assert.Equal(["r3", "r2", "old-open"], ledger.NewestRuns(10).Select(r => r.RunId));
        Assert.Equal("running", ledger.NewestRuns(10).Last().Status);
    }

    [Fact]
    public void Recovery_marks_a_run_whose_process_is_gone_interrupted_and_reopens_its_task()
    {
        using var dir = new TempDir();
        var store = new TaskStore(dir.Path);
        var task = store.Create("crashed", "p", "pwsh");
        store.Update(task.Id, d =>
        {
            d.Status = TaskStatuses.Running;
            d.CurrentRun = new TaskRunClaim { RunId = "run_gone", Pid = int.MaxValue - 7, StartTicks = 1L };
            return true;
        });
        var ledger = new RunLedger(store.LedgerPath);
        ledger.Append(new RunRecord { RunId = "run_gone", TaskId = task.Id, Event = RunEvents.Started, RunnerKind = "pwsh", Status = "running", Pid = int.MaxValue - 7, TsMs = 1 });
        var closed = TaskExecution.RecoverInterrupted(store);
        Assert.Equal("run_gone", Assert.Single(closed).RunId);
        Assert.Equal(ErrorIds.RunInterrupted, closed[0].ErrorCode);
        Assert.Equal(TaskStatuses.Open, store.Get(task.Id).Status);
        Assert.Empty(TaskExecution.RecoverInterrupted(store)); // idempotent
        Assert.Equal("interrupted", ledger.NewestRuns(1).Single().Status);
    }

    [Fact]
    public void Previews_are_short_single_line_and_redacted()
    {
        var preview = TaskExecution.Preview("key=sk-secret-123\n" + new string('z', 1000), ["sk-secret-123"]);
        Assert.DoesNotContain("sk-secret-123", preview, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', preview);
        Assert.True(preview.Length <= TaskExecution.PreviewLength);
    }
}
