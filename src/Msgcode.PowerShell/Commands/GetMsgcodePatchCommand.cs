using System.Management.Automation;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Shows the patch a worktree run of a task produced: its files with +/- counts, and with -Content its text.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodePatch")]
[OutputType(typeof(PatchInfo))]
public sealed class GetMsgcodePatchCommand : PatchCmdlet
{
    /// <summary>Includes the patch text in the Content property.</summary>
    [Parameter]
    public SwitchParameter Content { get; set; }

    protected override void ProcessRecordCore()
    {
        var manager = Worktrees();
        WriteObject(manager.GetPatch(PatchTaskId(manager), PatchPath, Content));
    }
}
