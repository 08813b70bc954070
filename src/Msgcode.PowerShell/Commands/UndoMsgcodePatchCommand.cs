using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Rolls back a task's merged patch: reverts the merge commit, or takes the changes out of the working tree again.</para>
/// </summary>
[Cmdlet(VerbsCommon.Undo, "MsgcodePatch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PatchUndoResult))]
public sealed class UndoMsgcodePatchCommand : TaskCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskId")]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;

    protected override void ProcessRecordCore()
    {
        try
        {
            var manager = Worktrees();
            if (!ShouldProcess($"{manager.RepositoryPath} (task {Id})", "Roll back the task's merged patch"))
            {
                return;
            }

            WriteObject(manager.Undo(Id, CancellationToken));
        }
        catch (MsgcodeException ex)
        {
            WriteMsgcodeError(ex);
        }
    }
}
