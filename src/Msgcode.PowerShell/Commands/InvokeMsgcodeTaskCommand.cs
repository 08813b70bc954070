using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Runs a task through its runner, records the run, and returns its outcome.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "MsgcodeTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(TaskRunInfo))]
public sealed class InvokeMsgcodeTaskCommand : TaskIdCmdlet
{
    private const int ProgressActivityId = 0x6d73;

    private Core.Daemon.QueuePipeline? _queue;

    [Parameter]
    [ValidateRange(1, 7 * 24 * 3600)]
    public int TimeoutSec { get; set; } = 3600;

    /// <summary>Runs a done or canceled task again.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Hands the run to the daemon and returns at once with the queued run.</summary>
    [Parameter]
    public SwitchParameter Queue { get; set; }

    /// <summary>Runs the task in its own git worktree (&lt;workspace&gt;/worktrees/&lt;id&gt;) and captures a patch; the main tree is never touched.</summary>
    [Parameter]
    public SwitchParameter Worktree { get; set; }

    /// <summary>With -Worktree: start over from the current HEAD instead of reusing the task's worktree.</summary>
    [Parameter]
    public SwitchParameter Fresh { get; set; }

    /// <summary>Runs the runner sandboxed: only its workspace or worktree (and its own state folders) can be written.</summary>
    [Parameter]
    public SwitchParameter Sandbox { get; set; }

    /// <summary>Continues the task's last agent session (claude, codex, opencode, lmstudio) in the same workspace or worktree.</summary>
    [Parameter]
    public SwitchParameter Continue { get; set; }

    /// <summary>This run's prompt instead of the task's own (a follow-up, with -Continue); the task keeps its prompt.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Prompt { get; set; }

    /// <summary>With -Worktree: runs this many attempts of the task side by side, each in its own worktree, from one base commit.</summary>
    [Parameter]
    [ValidateRange(1, TaskAttempts.MaxAttempts)]
    public int Attempts { get; set; }

    /// <summary>With -Worktree: the runners of the attempts, taken in turn (one attempt each unless -Attempts says more).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.RunnerKindCompleter))]
    public string[]? Runner { get; set; }

    /// <summary>How many -Worktree runs of this pipeline run at once (as ForEach-Object -Parallel has it).</summary>
    [Parameter]
    [ValidateRange(1, 63)]
    public int ThrottleLimit { get; set; } = 5;

    /// <summary>
    /// Not per input here: the steps below write the Core errors that concern one task and go on; any other Core
    /// error (reading the configuration or the runners, ...) ends the pipeline.
    /// </summary>
    protected override bool RecordErrorsAreNonTerminating => false;

    protected override void EndProcessingCore()
    {
        if (_deferred.Count > 0)
        {
            RunAll(_deferred);
            _deferred.Clear();
        }

        if (_queue is null)
        {
            return;
        }

        try
        {
            WriteReplies(_queue.Complete());
        }
        finally
        {
            _queue.Dispose();
            _queue = null;
        }
    }

    private void WriteReplies(IReadOnlyList<Core.Daemon.QueueReply> replies)
    {
        foreach (var reply in replies)
        {
            if (reply.Error is not null)
            {
                WriteMsgcodeError(reply.Error);
            }
            else
            {
                WriteObject(reply.Run);
            }
        }
    }

    protected override void ProcessRecordCore()
    {
        var store = Store();
        string id;
        TaskInfo task;
        try
        {
            id = store.Resolve(Id);
            task = store.Get(id);
        }
        catch (MsgcodeException ex)
        {
            WriteMsgcodeError(ex);
            return;
        }

        if (!ShouldProcess($"{id} ({task.Title})", Queue ? "Queue a run in the daemon" : Worktree ? $"Run with the {task.Runner} runner in a git worktree" : $"Run with the {task.Runner} runner"))
        {
            return;
        }

        if (Fresh && !Worktree)
        {
            WriteMsgcodeError(new MsgcodeException(ErrorIds.TaskFieldInvalid, MsgcodeErrorCategory.InvalidArgument, "Fresh", "-Fresh only means something with -Worktree: Invoke-MsgcodeTask <id> -Worktree -Fresh."));
            return;
        }

        if (Continue && Fresh)
        {
            WriteMsgcodeError(new MsgcodeException(ErrorIds.TaskFieldInvalid, MsgcodeErrorCategory.InvalidArgument, "Fresh", "-Continue resumes the session in the task's worktree; -Fresh would start a new worktree. Use one of them."));
            return;
        }

        if (Queue && (Continue || Prompt is not null))
        {
            WriteMsgcodeError(new MsgcodeException(ErrorIds.TaskFieldInvalid, MsgcodeErrorCategory.InvalidArgument, "Queue", "-Continue and -Prompt run in this session; the daemon's queue runs a task as it is. Drop -Queue, or set the task's prompt with Set-MsgcodeTask."));
            return;
        }

        var ids = new List<(string Id, TaskInfo Task)> { (id, task) };
        if (Attempts > 0 || Runner is not null)
        {
            if (!Worktree || Continue)
            {
                WriteMsgcodeError(new MsgcodeException(ErrorIds.TaskFieldInvalid, MsgcodeErrorCategory.InvalidArgument, "Attempts",
                    "-Attempts and -Runner make attempts that each run in a worktree of their own: add -Worktree (and leave out -Continue)."));
                return;
            }

            try
            {
                // Every attempt starts from the commit the main tree is on now; a workspace that is no repository is refused here.
                var head = Worktrees().Inspect().Head;
                ids = [.. TaskAttempts.Create(store, id, Attempts > 0 ? Attempts : Runner!.Length, Runner, head).Select(a => (a.Id, a))];
            }
            catch (MsgcodeException ex)
            {
                WriteMsgcodeError(ex);
                return;
            }
        }

        if (Queue)
        {
            try
            {
                // One connection for the whole pipeline, with requests in flight: the daemon fsyncs the queue
                // entries that arrive together once; answers are written in order as they come in.
                _queue ??= new Core.Daemon.DaemonController(Core.Config.MsgcodeHome.Resolve()).OpenQueuePipeline(CancellationToken);
                foreach (var (each, _) in ids)
                {
                    WriteReplies(_queue.Submit(store.Workspace, each, Worktree || Force || Sandbox ? new Core.Daemon.QueueRunOptions(Worktree, Fresh, Force, Sandbox) : null));
                }
            }
            catch (MsgcodeException ex)
            {
                WriteMsgcodeError(ex);
            }

            return;
        }

        var options = RunOptions(TimeSpan.FromSeconds(TimeoutSec), Force) with { Continue = Continue, Prompt = Prompt, Sandbox = Sandbox };
        if (Worktree)
        {
            // Runs in worktrees do not touch the main tree: they run side by side at the end of the pipeline (-ThrottleLimit).
            options = options with { Isolation = new Core.Worktrees.WorktreeIsolation(WorktreeSettings(), Fresh) };
            _deferred.AddRange(ids.Select(i => new PendingRun(store, i.Id, i.Task, options)));
            return;
        }

        RunAll([new PendingRun(store, id, task, options)]);
    }

    private readonly List<PendingRun> _deferred = [];

    /// <summary>One run of this pipeline: its task, its options, and what its progress bar shows.</summary>
    private sealed class PendingRun(TaskStore store, string id, TaskInfo task, TaskRunOptions options)
    {
        public TaskStore Store { get; } = store;

        public string Id { get; } = id;

        public TaskInfo Task { get; } = task;

        public TaskRunOptions Options { get; } = options;

        public System.Collections.Concurrent.ConcurrentQueue<Core.Runners.RunnerProgress> Events { get; } = new();

        public Task<TaskRunInfo>? Run { get; set; }

        public ProgressRecord? Progress { get; set; }

        public DateTime Started { get; set; }

        public DateTime LastShown { get; set; } = DateTime.MinValue;

        public bool Shown { get; set; }

        public string? Step { get; set; }

        public Core.Runners.RunnerProgress? Latest { get; set; }
    }

    /// <summary>
    /// Runs <paramref name="runs"/>, at most -ThrottleLimit at once, on pool threads, while this (the pipeline's) thread
    /// shows each one's progress, passes on its agent's messages and writes each outcome as its run ends. Ctrl+C cancels
    /// them all (their process trees killed, their outcomes recorded) and starts no more.
    /// </summary>
    private void RunAll(IReadOnlyList<PendingRun> runs)
    {
        using var signal = new AutoResetEvent(false);
        var waiting = new Queue<PendingRun>(runs);
        var active = new List<PendingRun>();
        var registry = Runners();
        var next = 0;
        DateTime? stoppingSince = null;
        while (waiting.Count > 0 || active.Count > 0)
        {
            while (!Stopping && active.Count < ThrottleLimit && waiting.TryDequeue(out var run))
            {
                run.Started = DateTime.UtcNow;
                run.Progress = new ProgressRecord(ProgressActivityId + next++, $"Running {run.Id}", $"{run.Task.Title} ({run.Task.Runner})");
                run.Run = TaskExecution.RunAsync(run.Store, run.Id, registry, run.Options with
                {
                    Progress = p =>
                    {
                        run.Events.Enqueue(p);
                        signal.Set();
                    },
                }, CancellationToken);
                active.Add(run);
            }

            if (Stopping)
            {
                // Ctrl+C: the runs are being canceled (process trees killed, outcomes recorded). Wait for that rather
                // than leave them half done behind a returned prompt; WriteProgress would throw now anyway.
                waiting.Clear();
                stoppingSince ??= DateTime.UtcNow;
                if (active.Count == 0 || DateTime.UtcNow - stoppingSince > TimeSpan.FromSeconds(10))
                {
                    throw new PipelineStoppedException();
                }
            }

            WaitHandle.WaitAny([signal, .. active.Select(r => ((IAsyncResult)r.Run!).AsyncWaitHandle)], 250);
            foreach (var run in active.ToList())
            {
                ShowProgress(run);
                if (run.Run!.IsCompleted)
                {
                    active.Remove(run);
                    Finish(run);
                }
            }
        }

        if (Stopping || CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Passes on the run's new agent messages (the information stream) and refreshes its progress bar.</summary>
    private void ShowProgress(PendingRun run)
    {
        var changed = false;
        while (!Stopping && run.Events.TryDequeue(out var item))
        {
            run.Latest = item;
            run.Step = item.Step ?? run.Step;
            changed |= item.Step is not null;
            if (item.Message is { } message)
            {
                // The agent's messages as they come, on the information stream (6>&1, -InformationVariable).
                WriteInformation(new InformationRecord(message, $"msgcode:{run.Id}"), ["msgcode", "agent", run.Task.Runner]);
            }
        }

        if (Stopping || run.Run!.IsCompleted || (!changed && DateTime.UtcNow - run.LastShown < TimeSpan.FromMilliseconds(250)))
        {
            return;
        }

        var latest = run.Latest;
        run.Progress!.StatusDescription = $"{run.Task.Title} ({run.Task.Runner}) — {(DateTime.UtcNow - run.Started).TotalSeconds:0} s"
            + (latest is null ? string.Empty : $" — turn {latest.Turns}, tokens {latest.InputTokens:N0} in / {latest.OutputTokens:N0} out");
        run.Progress.CurrentOperation = run.Step is null ? null : $"step: {run.Step}";
        WriteProgress(run.Progress);
        run.LastShown = DateTime.UtcNow;
        run.Shown = true;
    }

    /// <summary>Closes the run's progress bar and writes its outcome (and its error, when it failed).</summary>
    private void Finish(PendingRun run)
    {
        while (run.Events.TryDequeue(out var last))
        {
            if (last.Message is { } message)
            {
                WriteInformation(new InformationRecord(message, $"msgcode:{run.Id}"), ["msgcode", "agent", run.Task.Runner]);
            }
        }

        if (run.Shown && !Stopping)
        {
            run.Progress!.RecordType = ProgressRecordType.Completed; // a run that ended within the first 250 ms never showed a bar to close
            WriteProgress(run.Progress);
        }

        TaskRunInfo result;
        try
        {
            result = run.Run!.GetAwaiter().GetResult();
        }
        catch (MsgcodeException ex)
        {
            WriteMsgcodeError(ex);
            return;
        }

        if (result.Status == Core.Runners.RunStatuses.Canceled && CancellationToken.IsCancellationRequested)
        {
            return; // Ctrl+C: RunAll ends the pipeline once every run has ended
        }

        WriteObject(result);
        if (result.ErrorCode is not null)
        {
            WriteMsgcodeError(new MsgcodeException(result.ErrorCode, MsgcodeErrorCategory.InvalidOperation, run.Id, $"Run {result.RunId} of {run.Id} {result.Status}: {result.ErrorMessage}"));
        }
    }
}
