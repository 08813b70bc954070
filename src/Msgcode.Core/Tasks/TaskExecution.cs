using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Msgcode.Core.Platform;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using Msgcode.Core.Runners;
using Msgcode.Core.Runs;

namespace Msgcode.Core.Tasks;

/// <summary>
/// Runs one task through its runner and records it: the task goes to running (with the run's id and the
/// process that owns it), the ledger gets a started record, the runner runs, its full output becomes an
/// artifact, the ledger gets the outcome, and the task goes to done (success), blocked (failure) or back
/// to where it was (canceled). A crash in between leaves a started record whose process is gone:
/// <see cref="RecoverInterrupted"/> marks it interrupted.
/// </summary>
public static class TaskExecution
{
    public const int PreviewLength = 200;

    public static async Task<TaskRunInfo> RunAsync(TaskStore store, string idOrPrefix, RunnerRegistry registry, TaskRunOptions options, CancellationToken cancellationToken)
    {
        var (run, ended) = await RunCoreAsync(store, idOrPrefix, registry, options, deferEnd: false, cancellationToken).ConfigureAwait(false);
        await ended.ConfigureAwait(false);
        return run;
    }

    /// <summary>
    /// Runs a task like <see cref="RunAsync"/> but returns as soon as the runner has finished and its outcome is
    /// in the ledger (written, its fsync under way): the task's own update and the outcome's fsync complete in
    /// <c>Ended</c>, meanwhile. A host that runs tasks one after another (a daemon lane) starts the next run
    /// while this one's bookkeeping completes. The caller must await <c>Ended</c> before it reports the run as
    /// done, and before it runs the same task again.
    /// </summary>
    public static Task<(TaskRunInfo Run, Task Ended)> RunDeferringEndAsync(TaskStore store, string idOrPrefix, RunnerRegistry registry, TaskRunOptions options, CancellationToken cancellationToken)
        => RunCoreAsync(store, idOrPrefix, registry, options, deferEnd: true, cancellationToken);

    private static async Task<(TaskRunInfo Run, Task Ended)> RunCoreAsync(TaskStore store, string idOrPrefix, RunnerRegistry registry, TaskRunOptions options, bool deferEnd, CancellationToken cancellationToken)
    {
        var id = store.Resolve(idOrPrefix);
        // An isolated run is checked before anything changes (outside the task's lock: it asks git questions).
        var before = store.ReadDocument(id);
        options.Isolation?.Validate(store, before);
        // A chat's task continues the chat's session: chosen now, when the chat's earlier runs (serial in its lane) have ended.
        var chatSession = !options.Continue && before.ContinuesChatSession && registry.Find(before.RunnerKind) is { SupportsSessions: true }
            ? ChatSession(store, before, options.Isolation is not null)
            : null;
        var ledger = new RunLedger(store.LedgerPath);
        var runId = options.RunId ?? RunLedger.NewRunId();
        var pid = Environment.ProcessId;
        var self = ProcessControl.SelfIdentity;
        string previousStatus = TaskStatuses.Open;
        IRunner? runner = null;
        TaskDocument? document = null;
        TextDigest? digest = null;
        Task? startedDurable = null;
        var startedAt = DateTimeOffset.UtcNow;
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

                    RequireSession(d, runner.Kind, options.Isolation is not null);
                }

                RunRecord? stale = null;
                if (d.Status == TaskStatuses.Running)
                {
                    if (IsLive(d.CurrentRun))
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
            ReleaseClaim(TaskStatuses.Blocked, $"{ex.ErrorId}: the run did not start: its started record could not be made durable.");
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


        var clock = Stopwatch.StartNew();
        RunnerResult result;
        IIsolatedRun? isolated = null;
        try
        {
            isolated = options.Isolation?.Prepare(store, document, runId, cancellationToken);
            result = await runner.RunAsync(new RunnerRequest
            {
                Kind = runner.Kind,
                WorkspacePath = store.Workspace,
                Payload = options.Prompt ?? document.Prompt,
                Model = document.Model,
                ArtifactDirectory = Path.Combine(store.ArtifactsDirectory, runId),
                Constraints = new RunnerConstraints
                {
                    Timeout = options.Timeout, MaxOutputBytes = options.MaxOutputBytes, WorkingDirectory = isolated?.WorkingDirectory ?? store.Workspace,
                    HiddenVariables = RunnerInvocation.HiddenVariables(registry.EntryOf(runner.Kind)),
                    SandboxWritable = options.Sandbox || registry.EntryOf(runner.Kind) is { Sandbox: true }
                        ? [.. (registry.EntryOf(runner.Kind)?.SandboxWritable ?? []).Select(Runners.Sandbox.ExpandPath), .. isolated?.AlsoWritable ?? []]
                        : null,
                    SandboxReadOnly = isolated is null ? [] : [store.Workspace],
                },
                Context = new Dictionary<string, string> { ["taskId"] = id, ["runId"] = runId },
                ResumeSession = options.Continue ? document.Session?.Id : chatSession?.Id,
                Progress = options.Progress,
                Secrets = options.Secrets,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (MsgcodeException ex) when (isolated is null && options.Isolation is not null)
        {
            result = new RunnerResult { Status = RunStatuses.Failed, ErrorCode = ex.ErrorId, ErrorMessage = ex.Message };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = new RunnerResult { Status = RunStatuses.Canceled, ErrorCode = ErrorIds.RunCanceled, ErrorMessage = "The run was canceled." };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            result = new RunnerResult { Status = RunStatuses.Failed, ErrorCode = ErrorIds.RunnerFailed, ErrorMessage = $"The {runner.Kind} runner failed: {ex.Message}" };
        }

        clock.Stop();
        if (result.SessionTotals is { } totals)
        {
            // The CLI reports what the whole session has used: this run's share is what it added.
            var earlier = options.Continue && document.Session?.Id == result.SessionId ? document.Session?.Totals
                : chatSession is not null && chatSession.Id == result.SessionId ? chatSession.Totals : null;
            result = result with { Usage = totals.ShareOf(result.Usage, earlier) };
        }

        if (result.Status == RunStatuses.Canceled && options.CancelMeansInterrupted && !options.StopToken.IsCancellationRequested)
        {
            result = result with { Status = RunEvents.Interrupted, ErrorCode = ErrorIds.RunInterrupted, ErrorMessage = "The daemon stopped before the run finished; the run was stopped with its processes." };
        }

        // An isolated run's changes are captured whatever its outcome (a failed run's partial work is still worth a look).
        var isolation = isolated?.Capture(store, document, runId, runner.Kind, result, Preview(result.Output, options.Secrets), Path.Combine(store.ArtifactsDirectory, runId));
        if (isolation?.ErrorCode is not null && result.ErrorCode is null)
        {
            result = result with { Status = RunStatuses.Failed, ErrorCode = isolation.ErrorCode, ErrorMessage = isolation.ErrorMessage };
        }

        var artifacts = result.Artifacts.Concat(isolation?.Artifacts ?? []).Select(a => Relative(store.Workspace, a)).ToList();
        var patches = (isolation?.Patches ?? []).Select(a => Relative(store.Workspace, a)).ToList();
        var preview = Preview(result.Output, options.Secrets);
        var message = result.ErrorMessage is null ? null : Redaction.Redact(result.ErrorMessage, options.Secrets);
        var outputDigest = TextDigest.Of(result.Output);
        var outcome = new RunRecord
        {
            TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            RunId = runId,
            TaskId = id,
            Event = result.Status switch
            {
                RunStatuses.Succeeded => RunEvents.Finished,
                RunStatuses.Canceled => RunEvents.Canceled,
                RunEvents.Interrupted => RunEvents.Interrupted,
                _ => RunEvents.Failed,
            },
            RunnerKind = runner.Kind,
            Status = result.Status,
            ErrorCode = result.ErrorCode,
            ErrorMessage = message,
            DurationMs = clock.ElapsedMilliseconds,
            Artifacts = artifacts,
            Preview = preview,
            OutputLength = outputDigest.Length,
            OutputSha = outputDigest.Sha,
            Patch = isolation?.PatchPath is { } patchPath ? Relative(store.Workspace, patchPath) : null,
            BaseCommit = isolation?.BaseCommit,
            Usage = result.Usage,
            SessionId = result.SessionId,
        };
        // The outcome is written before the task changes (a reader never sees the task ended without it), and
        // its fsync runs while the task is updated: the run has ended once both are done.
        Task outcomeDurable;
        try
        {
            outcomeDurable = ledger.AppendThenSync(outcome);
        }
        catch (MsgcodeException ex)
        {
            // The outcome could not be written: the task must not stay claimed by this live process (it would show
            // running until a restart); it is blocked with the reason, and the caller gets the error.
            ReleaseClaim(TaskStatuses.Blocked, $"{ex.ErrorId}: the run {result.Status}, but its outcome could not be recorded: {ex.Message}");
            throw;
        }

        var ended = deferEnd ? Task.Run(EndAsync) : EndAsync();

        // Best effort, for a run that cannot go on: the task lets go of this run (if it is still this run's) and takes
        // the given status and summary; a task file that cannot be written either is left to recovery at the next start.
        void ReleaseClaim(string status, string summary)
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

        async Task EndAsync()
        {
            try
            {
                UpdateEnded();
            }
            finally
            {
                await outcomeDurable.ConfigureAwait(false);
            }

            MaybeTrim(ledger, options);
        }

        void UpdateEnded() => store.Update(id, d =>
        {
            if (d.CurrentRun?.RunId != runId)
            {
                return false; // someone took the task over meanwhile; leave it to them
            }

            d.CurrentRun = null;
            d.Status = result.Status switch
            {
                RunStatuses.Succeeded => TaskStatuses.Done,
                RunStatuses.Canceled or RunEvents.Interrupted => previousStatus == TaskStatuses.Running ? TaskStatuses.Open : previousStatus,
                _ => TaskStatuses.Blocked,
            };
            d.AddArtifacts(artifacts.Except(patches));
            foreach (var patch in patches)
            {
                d.AddPatch(patch);
            }

            isolation?.UpdateTask?.Invoke(d);
            if (result.SessionId is { } session)
            {
                d.Session = new TaskSession(runner.Kind, session, runId, options.Isolation is not null) { Totals = result.SessionTotals };
            }
            else if (result.ErrorCode == ErrorIds.RunnerSessionNotFound)
            {
                d.Session = null; // the CLI forgot it: the next -Continue says so at once instead of asking the CLI again
            }

            d.LastSummary = result.Status == RunStatuses.Succeeded ? preview : $"{result.ErrorCode}: {message}";
            return true;
        }, durable: false); // the outcome record is durable; a task left "running" is repaired from it

        return (TaskRunInfo.WithUsage(new TaskRunInfo
        {
            RunId = runId,
            TaskId = id,
            Runner = runner.Kind,
            Status = result.Status,
            StartedAt = startedAt.ToLocalTime(),
            Duration = clock.Elapsed,
            ErrorCode = result.ErrorCode,
            ErrorMessage = message,
            Artifacts = [.. artifacts],
            Preview = preview,
            PromptLength = digest.Value.Length,
            PromptSha = digest.Value.Sha,
            Workspace = store.Workspace,
            Output = result.Output,
        }, result.Usage, result.SessionId), ended);
    }

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
            if (current is not null && current.RunId == open.RunId && IsLive(current))
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
            if (document is null || IsLive(document.CurrentRun))
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
                if (d.Status != TaskStatuses.Running || d.CurrentRun?.RunId != runId || IsLive(d.CurrentRun))
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

    /// <summary>
    /// The session a chat's new task continues: the newest session of the chat's other tasks with the same runner
    /// (and isolation), unless a /new came after it. Null: a fresh session.
    /// </summary>
    private static TaskSession? ChatSession(TaskStore store, TaskDocument task, bool worktree)
    {
        foreach (var other in store.List().Where(t => t.ChatGuid == task.ChatGuid && t.Id != task.Id).OrderByDescending(t => t.CreatedAtMs).ThenByDescending(t => t.Id, StringComparer.Ordinal))
        {
            var document = other.Document;
            if (document is null || other.CreatedAtMs > task.CreatedAtMs)
            {
                continue;
            }

            if (document.SessionReset)
            {
                return null;
            }

            if (document.Session is { } session && string.Equals(session.Runner, task.RunnerKind, StringComparison.OrdinalIgnoreCase) && session.Worktree == worktree)
            {
                return session;
            }
        }

        return null;
    }

    private static void RequireSession(TaskDocument task, string runner, bool worktree)
    {
        var session = task.Session;
        var problem = session is null ? $"Task {task.Id} has no agent session to continue: no run of it has recorded one yet. Run it once without -Continue."
            : !string.Equals(session.Runner, runner, StringComparison.OrdinalIgnoreCase) ? $"Task {task.Id}'s last session is a {session.Runner} session, and the task now runs with {runner}. Run it without -Continue for a fresh session."
            : session.Worktree != worktree ? $"Task {task.Id}'s last session ran {(session.Worktree ? "in its worktree" : "in the workspace")}; continue it {(session.Worktree ? "with -Worktree" : "without -Worktree")}, where the agent keeps it."
            : null;
        if (problem is not null)
        {
            throw new MsgcodeException(ErrorIds.TaskSessionNotFound, MsgcodeErrorCategory.ObjectNotFound, task.Id, problem);
        }
    }

    internal static bool IsLive(TaskRunClaim? run) => run is not null && run.IsLive();

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

    /// <summary>A short, single-line, redacted preview: never the whole output.</summary>
    public static string Preview(string output, IReadOnlyList<string> secrets)
    {
        var collapsed = Regex.Replace(Redaction.Redact(output, secrets), @"\s+", " ").Trim();
        return collapsed.Length <= PreviewLength ? collapsed : collapsed[..(PreviewLength - 1)] + "…";
    }

    private static void MaybeTrim(RunLedger ledger, TaskRunOptions options)
    {
        try
        {
            var info = new FileInfo(ledger.Path);
            // Cheap guard: trimming reads the whole file, so do it only once the file is large enough to matter.
            if (info.Exists && info.Length > Math.Max(1 << 20, Math.Min(options.RetentionCount, 100_000) * 600))
            {
                ledger.Trim(options.RetentionDays, options.RetentionCount, DateTimeOffset.UtcNow);
            }
        }
        catch (MsgcodeException)
        {
        }
    }

    private static string Relative(string workspace, string path)
    {
        var relative = Path.GetRelativePath(workspace, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative.Replace('\\', '/');
    }
}
