using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Shows the patch a worktree run of a task produced: its files with +/- counts, and with -Content its text.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodePatch")]
[OutputType(typeof(PatchInfo))]
public sealed class GetMsgcodePatchCommand : TaskCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskId")]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;

    /// <summary>A patch file of the task other than its newest (relative to the workspace, or absolute).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Includes the patch text in the Content property.</summary>
    [Parameter]
    public SwitchParameter Content { get; set; }

    protected override void ProcessRecordCore()
    {
        try
        {
            WriteObject(Worktrees().GetPatch(Id, Path is null ? null : ResolvePath(Path), Content));
        }
        catch (MsgcodeException ex)
        {
            WriteMsgcodeError(ex);
        }
    }
}
