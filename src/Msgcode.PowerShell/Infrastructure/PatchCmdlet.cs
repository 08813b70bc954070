using System.Management.Automation;
using Msgcode.PowerShell.Completers;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>Shared by the patch cmdlets (Get-, Test-, Merge-MsgcodePatch): the task whose patch it is, and optionally which patch or which attempt's.</summary>
public abstract class PatchCmdlet : TaskIdCmdlet
{
    /// <summary>A patch file of the task other than its newest (relative to the current location, or absolute).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(LiteralPathCompleter))]
    public string? Path { get; set; }

    /// <summary>For a task run as attempts: this attempt's patch (Compare-MsgcodePatch ranks them).</summary>
    [Parameter]
    [ValidateRange(1, Core.Tasks.TaskAttempts.MaxAttempts)]
    public int Attempt { get; set; }

    /// <summary>The patch named by -Path, resolved the PowerShell way; null for the task's newest.</summary>
    protected string? PatchPath => Path is null ? null : ResolvePath(Path);

    /// <summary>The task whose patch it is: the one named by -Id, or with -Attempt that attempt's own task.</summary>
    protected string PatchTaskId(Core.Worktrees.WorktreeManager manager)
        => Attempt > 0 ? Core.Tasks.TaskAttempts.Resolve(manager.Store, manager.Store.Resolve(Id), Attempt) : Id;
}
