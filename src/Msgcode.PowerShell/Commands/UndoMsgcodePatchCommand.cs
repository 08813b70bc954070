using System.Management.Automation;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Rolls back a task's merged patch: reverts the merge commit, or takes the changes out of the working tree again.</para>
/// </summary>
[Cmdlet(VerbsCommon.Undo, "MsgcodePatch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PatchUndoResult))]
public sealed class UndoMsgcodePatchCommand : TaskIdCmdlet
{
    protected override void ProcessRecordCore()
    {
        var manager = Worktrees();
        if (!ShouldProcess($"{manager.RepositoryPath} (task {Id})", "Roll back the task's merged patch"))
        {
            return;
        }

        WriteObject(manager.Undo(Id, CancellationToken));
    }
}
