using System.Management.Automation;
using Msgcode.Core.Tasks;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Closes a task as done or canceled, with an optional reason.</para>
/// </summary>
[Cmdlet(VerbsCommon.Close, "MsgcodeTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(TaskInfo))]
public sealed class CloseMsgcodeTaskCommand : TaskIdCmdlet
{
    [Parameter]
    [ValidateSet(TaskStatuses.Done, TaskStatuses.Canceled)]
    public string Status { get; set; } = TaskStatuses.Done;

    [Parameter]
    public string? Reason { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var store = Store();
        var id = store.Resolve(Id);
        if (!ShouldProcess(id, $"Close as {Status}"))
        {
            return;
        }

        var task = TaskEdit.Close(Status, Reason).Apply(store, id);
        if (PassThru)
        {
            WriteObject(task);
        }
    }
}
