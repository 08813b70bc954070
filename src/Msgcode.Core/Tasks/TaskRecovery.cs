using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Runners;
using Msgcode.Core.Runs;

namespace Msgcode.Core.Tasks;

/// <summary>
/// The repair of runs a crash cut short (<see cref="TaskExecution.RecoverInterrupted"/>): a started record whose process is
/// gone is closed as interrupted, and a task left running by a process that is gone takes the status its run earned.
/// </summary>
internal static class TaskRecovery
{
    /// <summary>
    /// Marks runs whose process is gone as interrupted, in the ledger and in their task (back to open).
    /// Returns the run records it closed. Safe to call at any time: live runs are left alone.
    /// </summary>
    public static IReadOnlyList<RunRecord> RecoverInterrupted(TaskStore store, Action<MsgcodeProblem>? onProblem = null)
    {
        var ledger = new RunLedger(store.LedgerPath);
        var closed = new List<RunRecord>();
        foreach (var open in ledger.OpenRuns(onProblem))
        {
            TaskDocument? task = null;
            try
            {
                task = store.ReadDocument(open.TaskId);
            }
            catch (MsgcodeException ex)
            {
                onProblem?.Invoke(ex.ToProblem());
            }

            var current = task?.CurrentRun;
            if (current is not null && current.RunId == open.RunId && TaskExecution.IsLive(current))
            {
                continue;
            }

            if (current is null && open.Pid is int pid && ProcessControl.IsAlive(pid) && pid == Environment.ProcessId)
            {
                continue;
            }

            // The process that wrote the started record still runs (its task file may not show the run yet: the two
            // are written side by side): the run is live, not interrupted.
            if (open.Pid is int writer && open.PidStartTicks is long ticks && open.Host == Environment.MachineName && ProcessControl.IsSameProcess(writer, null, ticks))
            {
                continue;
            }

            // Its host is gone, but the runner's processes may live on (a host without a guardian): they are killed before the
            // run is recorded interrupted, so that a run recorded interrupted has no process left and may safely run again.
            if (open.Pid is int host)
            {
                RunGuard.KillMarked(RunGuard.MarkerOf(host, open.PidStartTicks));
            }

            var record = new RunRecord
            {
                TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                RunId = open.RunId,
                TaskId = open.TaskId,
                Event = RunEvents.Interrupted,
                RunnerKind = open.RunnerKind,
                Status = RunEvents.Interrupted,
                ErrorCode = ErrorIds.RunInterrupted,
                ErrorMessage = "The process running it stopped before the run finished.",
            };
            ledger.Append(record);
            closed.Add(record);
            if (task is not null && current?.RunId == open.RunId)
            {
                store.Update(open.TaskId, d =>
                {
                    if (d.CurrentRun?.RunId != open.RunId)
                    {
                        return false;
                    }

                    d.CurrentRun = null;
                    d.Status = TaskStatuses.Open;
                    d.LastSummary = $"{ErrorIds.RunInterrupted}: run {open.RunId} was interrupted.";
                    return true;
                });
            }
        }

        // Tasks left "running" by a process that is gone, whose run the ledger already closed (a crash between
        // the outcome record and the task's update): give the task the status its run earned.
        var outcomes = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
        foreach (var task in store.List(onProblem).Where(t => t.Status == TaskStatuses.Running))
        {
            var document = task.Document;
            var runId = document?.CurrentRun?.RunId;
            if (document is null || TaskExecution.IsLive(document.CurrentRun))
            {
                continue;
            }

            if (outcomes.Count == 0)
            {
                foreach (var record in ledger.ReadAll().Where(r => RunEvents.IsTerminal(r.Event)))
                {
                    outcomes[record.RunId] = record;
                }
            }

            // No outcome and (after the loop above) no open started record: the runner never started, so the
            // task just goes back to open and a queued run of it may run.
            var outcome = runId is null ? null : outcomes.GetValueOrDefault(runId);

            store.Update(task.Id, d =>
            {
                if (d.Status != TaskStatuses.Running || d.CurrentRun?.RunId != runId || TaskExecution.IsLive(d.CurrentRun))
                {
                    return false;
                }

                d.CurrentRun = null;
                d.Status = outcome?.Status switch
                {
                    RunStatuses.Succeeded => TaskStatuses.Done,
                    RunStatuses.Failed or RunStatuses.TimedOut => TaskStatuses.Blocked,
                    _ => TaskStatuses.Open,
                };
                return true;
            });
        }

        return closed;
    }
}
