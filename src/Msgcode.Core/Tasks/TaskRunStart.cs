using Msgcode.Core.Platform;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using Msgcode.Core.Runners;
using Msgcode.Core.Runs;

namespace Msgcode.Core.Tasks;

/// <summary>
/// The start of a run (<see cref="TaskExecution"/>): every check is made on the task read under its lock, the task
/// goes to running with the run's claim on it, and the ledger gets a started record, durable before the runner
/// starts. A run that cannot go on lets go of its claim (<see cref="ReleaseClaim"/>).
/// </summary>
internal static class TaskRunStart
{
    /// <summary>What the claim leaves for the rest of the run: the runner, the task as claimed, the prompt's digest and the status the task had.</summary>
    internal sealed record Claimed(IRunner Runner, TaskDocument Document, TextDigest Digest, string PreviousStatus);

    /// <summary>
    /// Claims task <paramref name="id"/> for run <paramref name="runId"/> and writes its started record (closing a stale
    /// run of a process that is gone); returns once that record is durable. Throws, with nothing left claimed, when a
    /// check refuses the run or the started record cannot be made durable.
    /// </summary>
    public static async Task<Claimed> ClaimAsync(TaskStore store, string id, RunnerRegistry registry, TaskRunOptions options, RunLedger ledger, string runId, DateTimeOffset startedAt)
    {
        var pid = Environment.ProcessId;
        var self = ProcessControl.SelfIdentity;
        string previousStatus = TaskStatuses.Open;
        IRunner? runner = null;
        TaskDocument? document = null;
        TextDigest? digest = null;
        Task? startedDurable = null;
        try
        {
            store.Update(id, d =>
            {
                // Checked on the copy read under the lock (one read of the task, not two); a refusal changes nothing.
                runner = registry.Find(d.RunnerKind) ?? throw new MsgcodeException(ErrorIds.RunnerNotFound, MsgcodeErrorCategory.NotInstalled, d.RunnerKind,
                    $"Task {id} asks for the runner '{d.RunnerKind}', which is not available here (available: {string.Join(", ", registry.Kinds.Order())}). Change it with Set-MsgcodeTask -Runner.");
                RunnerPolicy.Require(registry.EntryOf(runner.Kind), options.PolicyMode, id, runner, store.Workspace);
                if (options.Continue)
                {
                    if (!runner.SupportsSessions)
                    {
                        throw new MsgcodeException(ErrorIds.RunnerSessionUnsupported, MsgcodeErrorCategory.InvalidOperation, id,
                            $"The {runner.Kind} runner has no agent sessions to continue (claude, codex, opencode and lmstudio have). Run the task without -Continue.");
                    }

                    TaskSessions.Require(d, runner.Kind, options.Isolation is not null);
                }

                RunRecord? stale = null;
                if (d.Status == TaskStatuses.Running)
                {
                    if (TaskExecution.IsLive(d.CurrentRun))
                    {
                        throw new MsgcodeException(ErrorIds.TaskAlreadyRunning, MsgcodeErrorCategory.ResourceUnavailable, id,
                            $"Task {id} is already running (run {d.CurrentRun?.RunId}, PID {d.CurrentRun?.Pid}). Wait for it, or stop that process.");
                    }

                    // The process that ran it is gone: that run was interrupted (unless it is this very run, queued
                    // again after a crash that came before its started record: then it never ran).
                    if (d.CurrentRun?.RunId != runId)
                    {
                        stale = InterruptedRecord(d, "the process that ran it is gone");
                    }

                    d.Status = TaskStatuses.Open;
                }

                previousStatus = d.Status;
                TaskStatuses.RequireTransition(id, d.Status, TaskStatuses.Running, options.Force);
                d.Status = TaskStatuses.Running;
                d.CurrentRun = TaskRunClaim.ForThisProcess(runId, startedAt);
                document = d.Clone();
                digest = TextDigest.Of(options.Prompt ?? d.Prompt);

                // Every check has passed and the task is claimed (its lock is held until its file is written): the
                // started record goes to the ledger now, and its fsync runs while the task file is written.
                var started = new RunRecord
                {
                    TsMs = startedAt.ToUnixTimeMilliseconds(),
                    RunId = runId,
                    TaskId = id,
                    Event = RunEvents.Started,
                    RunnerKind = runner.Kind,
                    Status = "running",
                    PromptLength = digest.Value.Length,
                    PromptSha = digest.Value.Sha,
                    Pid = pid,
                    PidStartTicks = self.Ticks,
                    Host = Environment.MachineName,
                };
                // Written here (readers see the run claimed), fsynced on a pool thread while the task file is written.
                startedDurable = stale is null ? ledger.AppendThenSync(started) : ledger.AppendThenSync(stale, started);
                return true;
            }, durable: false); // the started record is the durable truth; recovery repairs the task from the ledger
        }
        catch (Exception ex) when (startedDurable is not null)
        {
            // The task file could not be written after the started record went out: close that run, so no
            // started record is left without an outcome, and report the write's failure.
            try
            {
                await startedDurable.ConfigureAwait(false);
                await ledger.AppendAsync(new RunRecord
                {
                    TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RunId = runId, TaskId = id, Event = RunEvents.Failed, RunnerKind = runner?.Kind ?? string.Empty,
                    Status = RunStatuses.Failed, ErrorCode = (ex as MsgcodeException)?.ErrorId ?? ErrorIds.FileWriteFailed, ErrorMessage = "The run did not start: its task could not be updated.",
                }, journal: null).ConfigureAwait(false);
            }
            catch (MsgcodeException)
            {
            }

            throw;
        }

        if (runner is null || document is null || digest is null || startedDurable is null)
        {
            throw new InvalidOperationException("The task update chose no runner."); // unreachable: the update sets them all or throws
        }

        try
        {
            await startedDurable.ConfigureAwait(false); // durable before the runner starts: a crash after this is an interrupted run, never a repeated one
        }
        catch (MsgcodeException ex)
        {
            // The started record may not be on disk (a failing disk): the run does not start. Its claim on the task
            // is let go (else the task would show this live process's run until a restart), and the run is closed.
            ReleaseClaim(store, id, runId, TaskStatuses.Blocked, $"{ex.ErrorId}: the run did not start: its started record could not be made durable.");
            try
            {
                await ledger.AppendAsync(new RunRecord
                {
                    TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RunId = runId, TaskId = id, Event = RunEvents.Failed, RunnerKind = runner.Kind,
                    Status = RunStatuses.Failed, ErrorCode = ex.ErrorId, ErrorMessage = "The run did not start: its started record could not be made durable.",
                }, journal: null).ConfigureAwait(false);
            }
            catch (MsgcodeException)
            {
            }

            throw;
        }

        return new Claimed(runner, document, digest.Value, previousStatus);
    }

    /// <summary>
    /// Best effort, for a run that cannot go on: the task lets go of run <paramref name="runId"/> (if it is still that
    /// run's) and takes the given status and summary; a task file that cannot be written either is left to recovery at
    /// the next start.
    /// </summary>
    public static void ReleaseClaim(TaskStore store, string id, string runId, string status, string summary)
    {
        try
        {
            store.Update(id, d =>
            {
                if (d.CurrentRun?.RunId != runId)
                {
                    return false;
                }

                d.CurrentRun = null;
                d.Status = status;
                d.LastSummary = summary;
                return true;
            }, durable: false);
        }
        catch (MsgcodeException)
        {
        }
    }

    private static RunRecord InterruptedRecord(TaskDocument task, string why) => new()
    {
        TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        RunId = task.CurrentRun?.RunId ?? "run_unknown",
        TaskId = task.Id,
        Event = RunEvents.Interrupted,
        RunnerKind = task.RunnerKind,
        Status = RunEvents.Interrupted,
        ErrorCode = ErrorIds.RunInterrupted,
        ErrorMessage = $"Interrupted: {why}.",
    };
}
