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

    /// <summary>
    /// Not per input here: the steps below write the Core errors that concern one task and go on; any other Core
    /// error (reading the configuration or the runners, ...) ends the pipeline.
    /// </summary>
    protected override bool RecordErrorsAreNonTerminating => false;

    protected override void EndProcessingCore()
    {
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

        if (Queue)
        {
            try
            {
                // One connection for the whole pipeline, with requests in flight: the daemon fsyncs the queue
                // entries that arrive together once; answers are written in order as they come in.
                _queue ??= new Core.Daemon.DaemonController(Core.Config.MsgcodeHome.Resolve()).OpenQueuePipeline(CancellationToken);
                WriteReplies(_queue.Submit(store.Workspace, id, Worktree || Force || Sandbox ? new Core.Daemon.QueueRunOptions(Worktree, Fresh, Force, Sandbox) : null));
            }
            catch (MsgcodeException ex)
            {
                WriteMsgcodeError(ex);
            }

            return;
        }

        var events = new System.Collections.Concurrent.ConcurrentQueue<Core.Runners.RunnerProgress>();
        using var signal = new AutoResetEvent(false);
        var options = RunOptions(TimeSpan.FromSeconds(TimeoutSec), Force) with
        {
            Continue = Continue,
            Prompt = Prompt,
            Sandbox = Sandbox,
            Progress = p =>
            {
                events.Enqueue(p);
                signal.Set();
            },
        };
        if (Worktree)
        {
            options = options with { Isolation = new Core.Worktrees.WorktreeIsolation(WorktreeSettings(), Fresh) };
        }

        var run = TaskExecution.RunAsync(store, id, Runners(), options, CancellationToken);
        var progress = new ProgressRecord(ProgressActivityId, $"Running {id}", $"{task.Title} ({task.Runner})");
        var started = DateTime.UtcNow;
        var shown = false;
        var lastShown = DateTime.MinValue;
        string? step = null;
        Core.Runners.RunnerProgress? latest = null;
        DateTime? stoppingSince = null;
        var handles = new WaitHandle[] { ((IAsyncResult)run).AsyncWaitHandle, signal };
        while (!run.IsCompleted)
        {
            WaitHandle.WaitAny(handles, 250);
            var changed = false;
            while (!Stopping && events.TryDequeue(out var item))
            {
                latest = item;
                step = item.Step ?? step;
                changed |= item.Step is not null;
                if (item.Message is { } message)
                {
                    // The agent's messages as they come, on the information stream (6>&1, -InformationVariable).
                    WriteInformation(new InformationRecord(message, $"msgcode:{id}"), ["msgcode", "agent", task.Runner]);
                }
            }

            if (run.IsCompleted)
            {
                break;
            }

            if (Stopping)
            {
                // Ctrl+C: the run is being canceled (its process tree killed, its outcome recorded). Wait for that
                // rather than leave it half done behind a returned prompt; WriteProgress would throw now anyway.
                stoppingSince ??= DateTime.UtcNow;
                if (DateTime.UtcNow - stoppingSince > TimeSpan.FromSeconds(10))
                {
                    throw new PipelineStoppedException();
                }

                continue;
            }

            if (!changed && DateTime.UtcNow - lastShown < TimeSpan.FromMilliseconds(250))
            {
                continue;
            }

            progress.StatusDescription = $"{task.Title} ({task.Runner}) — {(DateTime.UtcNow - started).TotalSeconds:0} s"
                + (latest is null ? string.Empty : $" — turn {latest.Turns}, tokens {latest.InputTokens:N0} in / {latest.OutputTokens:N0} out");
            progress.CurrentOperation = step is null ? null : $"step: {step}";
            WriteProgress(progress);
            lastShown = DateTime.UtcNow;
            shown = true;
        }

        if (Stopping)
        {
            throw new PipelineStoppedException();
        }

        while (events.TryDequeue(out var last))
        {
            if (last.Message is { } message)
            {
                WriteInformation(new InformationRecord(message, $"msgcode:{id}"), ["msgcode", "agent", task.Runner]);
            }
        }

        if (shown)
        {
            progress.RecordType = ProgressRecordType.Completed; // a run that ended within the first 250 ms never showed a bar to close
            WriteProgress(progress);
        }
        TaskRunInfo result;
        try
        {
            result = run.GetAwaiter().GetResult();
        }
        catch (MsgcodeException ex)
        {
            WriteMsgcodeError(ex);
            return;
        }

        if (result.Status == Core.Runners.RunStatuses.Canceled && CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }

        WriteObject(result);
        if (result.ErrorCode is not null)
        {
            WriteMsgcodeError(new MsgcodeException(result.ErrorCode, MsgcodeErrorCategory.InvalidOperation, id, $"Run {result.RunId} of {id} {result.Status}: {result.ErrorMessage}"));
        }
    }
}
