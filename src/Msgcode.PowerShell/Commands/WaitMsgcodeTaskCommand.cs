using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Runs;
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

    /// <summary>A task whose newest run to wait for.</summary>
    [Parameter(Mandatory = true, ParameterSetName = TaskSet, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskId")]
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
        try
        {
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
        catch (MsgcodeException ex)
        {
            WriteMsgcodeError(ex);
        }
    }

    protected override void EndProcessingCore()
    {
        var deadline = Timeout < 0 ? DateTime.MaxValue : DateTime.UtcNow.AddSeconds(Timeout);
        var pending = _pending.Distinct().ToList();
        var progress = new ProgressRecord(0x6d74, "Waiting for msgcode runs", $"{pending.Count} run(s)");
        var shown = false;
        var started = DateTime.UtcNow;
        while (pending.Count > 0)
        {
            for (var i = 0; i < pending.Count; i++)
            {
                var (workspace, runId) = pending[i];
                var run = new RunLedger(Path.Combine(workspace, "tasks", "runs.jsonl")).Find(runId);
                if (run is null || !run.IsEnded)
                {
                    continue;
                }

                run.Output = run.ReadOutput();
                WriteObject(run);
                pending.RemoveAt(i--);
                if (Any)
                {
                    pending.Clear();
                }
            }

            if (pending.Count == 0 || DateTime.UtcNow >= deadline)
            {
                break;
            }

            if (DateTime.UtcNow - started > TimeSpan.FromSeconds(1))
            {
                progress.StatusDescription = $"{pending.Count} run(s) still queued or running — {(DateTime.UtcNow - started).TotalSeconds:0} s";
                WriteProgress(progress);
                shown = true;
            }

            if (CancellationToken.WaitHandle.WaitOne(100))
            {
                throw new PipelineStoppedException();
            }
        }

        if (shown)
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }
}
