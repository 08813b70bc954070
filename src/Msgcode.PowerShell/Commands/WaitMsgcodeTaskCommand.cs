using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Waits until queued or running task runs have ended, and returns their final run objects with their output.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "MsgcodeTask", DefaultParameterSetName = RunSet)]
[OutputType(typeof(TaskRunInfo))]
public sealed class WaitMsgcodeTaskCommand : TaskCmdlet
{
    private const string RunSet = "Run";
    private const string TaskSet = "Task";

    private readonly List<(string Workspace, string RunId)> _pending = [];

    /// <summary>The run to wait for (bound from the runs Invoke-MsgcodeTask -Queue returns).</summary>
    [Parameter(Mandatory = true, ParameterSetName = RunSet, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string RunId { get; set; } = string.Empty;

    /// <summary>A task whose newest run to wait for (a piped object without a RunId binds here by its TaskId or Id).</summary>
    [Parameter(Mandatory = true, ParameterSetName = TaskSet, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskId")]
    [TaskIdTransformation]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;

    /// <summary>Seconds to wait at most (-1: no limit). Runs that have not ended by then are not returned, as with Wait-Job.</summary>
    [Parameter]
    [ValidateRange(-1, int.MaxValue)]
    public int Timeout { get; set; } = -1;

    /// <summary>Returns as soon as any one of the runs has ended (that run only).</summary>
    [Parameter]
    public SwitchParameter Any { get; set; }

    protected override void ProcessRecordCore()
    {
        var store = Store();
        store.RequireWorkspace();
        var ledger = new RunLedger(store.LedgerPath);
        if (ParameterSetName == RunSet)
        {
            if (ledger.Find(RunId) is null)
            {
                throw new MsgcodeException(ErrorIds.RunNotFound, MsgcodeErrorCategory.ObjectNotFound, RunId,
                    $"The workspace '{store.Workspace}' has no run {RunId}. Get-MsgcodeTaskRun lists its runs.");
            }

            _pending.Add((store.Workspace, RunId));
            return;
        }

        var taskId = store.Resolve(Id);
        var newest = ledger.NewestRuns(1, taskId).FirstOrDefault() ?? throw new MsgcodeException(ErrorIds.RunNotFound, MsgcodeErrorCategory.ObjectNotFound, taskId,
            $"Task {taskId} has no run to wait for. Run it with Invoke-MsgcodeTask (-Queue to hand it to the daemon).");
        _pending.Add((store.Workspace, newest.RunId));
    }

    protected override void EndProcessingCore()
    {
        var progress = new ProgressRecord(0x6d74, "Waiting for msgcode runs", $"{_pending.Count} run(s)");
        var shown = false;
        foreach (var run in RunWatch.WaitForEnd(_pending, Timeout < 0 ? null : TimeSpan.FromSeconds(Timeout), Any, (left, elapsed) =>
        {
            progress.StatusDescription = $"{left} run(s) still queued or running — {elapsed.TotalSeconds:0} s";
            WriteProgress(progress); // the enumeration runs on the pipeline thread
            shown = true;
        }, CancellationToken, (workspace, run) => TaskExecution.HasSettled(workspace, run.TaskId, run.RunId))) // its patch is there once it returns
        {
            WriteObject(run);
        }

        if (shown)
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }
}
