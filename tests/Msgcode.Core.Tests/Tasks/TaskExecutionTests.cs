using System.Diagnostics;
using Msgcode.Core.Daemon;
using Msgcode.Core.Platform;
using Msgcode.Core.Runners;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Tests.Tasks;

public class TaskExecutionTests
{
    private static RunnerRegistry Shell()
    {
        var registry = new RunnerRegistry();
        registry.Register(new ShellRunner());
        return registry;
    }

    [Fact]
    public async Task A_run_leaves_its_started_and_outcome_records_and_the_task_done()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var dir = new TempDir();
        var store = new TaskStore(dir.Path);
        var task = store.Create("t", "echo hi", "shell");

        var run = await TaskExecution.RunAsync(store, task.Id, Shell(), new TaskRunOptions(), CancellationToken.None);

        Assert.Equal(RunStatuses.Succeeded, run.Status);
        var records = new RunLedger(store.LedgerPath).ReadAll().ToList();
        Assert.Equal([RunEvents.Started, RunEvents.Finished], records.Select(r => r.Event));
        Assert.Equal(Environment.ProcessId, records[0].Pid);
        Assert.Equal(ProcessControl.SelfIdentity.Ticks, records[0].PidStartTicks);
        Assert.Equal(TaskStatuses.Done, store.Get(task.Id).Status);
        Assert.Empty(new RunLedger(store.LedgerPath).OpenRuns());
    }

    [SkippableFact]
    public async Task A_run_whose_outcome_cannot_be_recorded_lets_go_of_its_task()
    {
        Skip.If(OperatingSystem.IsWindows(), "the runner's command is for /bin/sh");
        using var dir = new TempDir();
        var store = new TaskStore(dir.Path);
        // The run itself takes the ledger's place with a folder: its outcome cannot be appended.
        var task = store.Create("t", "rm tasks/runs.jsonl && mkdir tasks/runs.jsonl", "shell");

        var ex = await Assert.ThrowsAsync<Errors.MsgcodeException>(() => TaskExecution.RunAsync(store, task.Id, Shell(), new TaskRunOptions(), CancellationToken.None));

        Assert.Equal(Errors.ErrorIds.FileWriteFailed, ex.ErrorId);
        var after = store.Get(task.Id);
        Assert.Equal(TaskStatuses.Blocked, after.Status); // not left running under this live process until a restart
        Assert.Null(after.Document!.CurrentRun);
        Assert.StartsWith("FileWriteFailed: the run succeeded, but its outcome could not be recorded", after.LastSummary);
    }

    [Fact]
    public async Task A_refused_run_writes_no_record()
    {
        using var dir = new TempDir();
        var store = new TaskStore(dir.Path);
        var task = store.Create("t", "true", "nosuch");

        await Assert.ThrowsAsync<Errors.MsgcodeException>(() => TaskExecution.RunAsync(store, task.Id, Shell(), new TaskRunOptions(), CancellationToken.None));

        Assert.Empty(new RunLedger(store.LedgerPath).ReadAll());
        Assert.Equal(TaskStatuses.Open, store.Get(task.Id).Status);
    }

    [Fact]
    public void Recovery_leaves_a_run_alone_while_the_process_that_started_it_lives()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // start ticks come from /proc
        }

        using var dir = new TempDir();
        var store = new TaskStore(dir.Path);
        var task = store.Create("t", "true", "shell");
        using var other = Process.Start("sleep", "30");
        try
        {
            // Another process wrote its started record; its task file does not show the run yet.
            var ledger = new RunLedger(store.LedgerPath);
            ledger.Append(new RunRecord
            {
                TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RunId = "run_live", TaskId = task.Id, Event = RunEvents.Started, RunnerKind = "shell", Status = "running",
                Pid = other.Id, PidStartTicks = ProcessControl.GetLinuxStartTicks(other.Id), Host = Environment.MachineName,
            });
            Assert.Empty(TaskExecution.RecoverInterrupted(store));

            other.Kill();
            other.WaitForExit();
            var closed = Assert.Single(TaskExecution.RecoverInterrupted(store));
            Assert.Equal("run_live", closed.RunId);
            Assert.Empty(ledger.OpenRuns());
        }
        finally
        {
            if (!other.HasExited)
            {
                other.Kill();
            }
        }
    }
}
