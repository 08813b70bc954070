using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Runs;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Gets the runs of a workspace's tasks from its run ledger, newest first.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeTaskRun")]
[OutputType(typeof(TaskRunInfo))]
public sealed class GetMsgcodeTaskRunCommand : TaskCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public string? TaskId { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = 20;

    protected override void ProcessRecordCore()
    {
        var store = Store();
        try
        {
            store.RequireWorkspace();
            var taskId = TaskId is null ? null : store.Resolve(TaskId);
            var ledger = new RunLedger(store.LedgerPath);
            WriteObject(ledger.NewestRuns(Last, taskId, WriteProblem), enumerateCollection: true);
        }
        catch (MsgcodeException ex)
        {
            WriteMsgcodeError(ex);
        }
    }
}
