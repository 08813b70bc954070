using System.Diagnostics;
using System.Text.RegularExpressions;
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
/// <see cref="RecoverInterrupted"/> marks it interrupted. <see cref="TaskRunStart"/> makes the claim and the started
/// record, <see cref="TaskSessions"/> chooses the session a run continues, and <see cref="TaskRecovery"/> repairs
/// what a crash left.
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
            ? TaskSessions.ForChat(store, before, options.Isolation is not null)
            : null;
        var ledger = new RunLedger(store.LedgerPath);
        var runId = options.RunId ?? RunLedger.NewRunId();
        var startedAt = DateTimeOffset.UtcNow;
        var (runner, document, digest, previousStatus) = await TaskRunStart.ClaimAsync(store, id, registry, options, ledger, runId, startedAt).ConfigureAwait(false);

        var clock = Stopwatch.StartNew();
        RunnerResult result;
        IIsolatedRun? isolated = null;
        IReadOnlyList<string>? sandboxWritable = null;
        try
        {
            isolated = options.Isolation?.Prepare(store, document, runId, cancellationToken);
            var files = TaskInputFiles.Resolve(store.Workspace, document.Files);
            result = files.FirstOrDefault(f => !File.Exists(f)) is { } gone
                ? new RunnerResult
                {
                    Status = RunStatuses.Failed, ErrorCode = ErrorIds.TaskInputFileNotFound,
                    ErrorMessage = $"The task's input file '{gone}' is gone, so the runner was not started. Put it back, or make a new task with the file.",
                }
                : await runner.RunAsync(new RunnerRequest
            {
                Kind = runner.Kind,
                WorkspacePath = store.Workspace,
                Payload = options.Prompt ?? document.Prompt,
                Model = document.Model,
                Files = files,
                ArtifactDirectory = Path.Combine(store.ArtifactsDirectory, runId),
                Constraints = new RunnerConstraints
                {
                    Timeout = options.Timeout, MaxOutputBytes = options.MaxOutputBytes, WorkingDirectory = isolated?.WorkingDirectory ?? store.Workspace,
                    HiddenVariables = RunnerInvocation.HiddenVariables(registry.EntryOf(runner.Kind)),
                    SandboxWritable = sandboxWritable = options.Sandbox || registry.EntryOf(runner.Kind) is { Sandbox: true }
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
        var isolation = isolated?.Capture(store, document, runId, runner.Kind, result, Preview(result.Output, options.Secrets), Path.Combine(store.ArtifactsDirectory, runId), sandboxWritable);
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
            TaskRunStart.ReleaseClaim(store, id, runId, TaskStatuses.Blocked, $"{ex.ErrorId}: the run {result.Status}, but its outcome could not be recorded: {ex.Message}");
            throw;
        }

        var ended = deferEnd ? Task.Run(EndAsync) : EndAsync();

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
            DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            ErrorCode = result.ErrorCode,
            ErrorMessage = message,
            Artifacts = [.. artifacts],
            Preview = preview,
            PromptLength = digest.Length,
            PromptSha = digest.Sha,
            Workspace = store.Workspace,
            Output = result.Output,
        }, result.Usage, result.SessionId), ended);
    }

    /// <summary>
    /// Marks runs whose process is gone as interrupted, in the ledger and in their task (back to open).
    /// Returns the run records it closed. Safe to call at any time: live runs are left alone.
    /// </summary>
    public static IReadOnlyList<RunRecord> RecoverInterrupted(TaskStore store, Action<MsgcodeProblem>? onProblem = null)
        => TaskRecovery.RecoverInterrupted(store, onProblem);

    internal static bool IsLive(TaskRunClaim? run) => run is not null && run.IsLive();

    /// <summary>
    /// Whether the run's task has taken in its end (its claim let go: status, artifacts, patch recorded), or no live
    /// process holds the claim any more. A run's outcome reaches the ledger a moment before that.
    /// </summary>
    public static bool HasSettled(string workspace, string taskId, string runId)
    {
        try
        {
            var claim = new TaskStore(workspace).ReadDocument(taskId).CurrentRun;
            return claim?.RunId != runId || !claim.IsLive();
        }
        catch (Errors.MsgcodeException)
        {
            return true; // the task is gone or unreadable: nothing more to wait for
        }
    }

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
