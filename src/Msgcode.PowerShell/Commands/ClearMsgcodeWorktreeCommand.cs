using System.Management.Automation;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Prunes what is safe to prune among a workspace's worktrees, and keeps (and reports) what holds work.</para>
/// </summary>
[Cmdlet(VerbsCommon.Clear, "MsgcodeWorktree", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(WorktreeCleanupItem))]
public sealed class ClearMsgcodeWorktreeCommand : TaskCmdlet
{
    protected override void ProcessRecordCore()
    {
        var items = Worktrees().Cleanup((target, action) => ShouldProcess(target, action), WriteProblem, CancellationToken);
        WriteObject(items, enumerateCollection: true);
    }
}
