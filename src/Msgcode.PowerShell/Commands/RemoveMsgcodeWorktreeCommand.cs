using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Removes a task's worktree: its folder, its msgcode/&lt;id&gt; branch and git's record of it, in one command.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "MsgcodeWorktree", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(WorktreeInfo))]
public sealed class RemoveMsgcodeWorktreeCommand : TaskIdCmdlet
{
    /// <summary>Removes it even when it holds changes that no patch has captured.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        string id;
        try
        {
            id = Store().Resolve(Id);
        }
        catch (MsgcodeException ex) when (ex.ErrorId == ErrorIds.TaskNotFound)
        {
            id = Id; // a worktree can outlive its task
        }

        var manager = Worktrees();
        if (!ShouldProcess(manager.PathFor(id), Force ? "Remove the worktree, its branch and git's record, even with uncaptured changes" : "Remove the worktree, its branch and git's record"))
        {
            return;
        }

        var removed = manager.RemoveWithAttempts(id, Force, CancellationToken);
        if (PassThru)
        {
            WriteObject(removed, enumerateCollection: true);
        }
    }
}
