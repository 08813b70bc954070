using System.Management.Automation;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Applies a task's patch to the main tree: to the working tree for review, or with -Commit as a commit on the checked-out branch.</para>
/// </summary>
[Cmdlet(VerbsData.Merge, "MsgcodePatch", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PatchApplyResult))]
public sealed class MergeMsgcodePatchCommand : PatchCmdlet
{
    /// <summary>Commits the patch on the branch checked out in the main tree (its working tree and index follow).</summary>
    [Parameter]
    public SwitchParameter Commit { get; set; }

    /// <summary>The commit message (default: the task's title and id).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Message { get; set; }

    protected override void ProcessRecordCore()
    {
        var manager = Worktrees();
        var patch = manager.GetPatch(PatchTaskId(manager), PatchPath);
        var where = Commit ? "as a commit on the checked-out branch" : "to the main working tree";
        if (!ShouldProcess($"{manager.RepositoryPath} ({patch.FilesChanged} file(s) from task {patch.TaskId})", $"Apply the patch {where}"))
        {
            return;
        }

        var result = manager.Apply(patch.TaskId, Commit, Message, patch.Path, CancellationToken);
        if (result.Warning is { } warning)
        {
            WriteWarning(warning);
        }

        WriteObject(result);
    }
}
