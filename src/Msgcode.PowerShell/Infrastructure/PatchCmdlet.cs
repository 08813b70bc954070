using System.Management.Automation;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>Shared by the patch cmdlets (Get-, Test-, Merge-MsgcodePatch): the task whose patch it is, and optionally which patch.</summary>
public abstract class PatchCmdlet : TaskIdCmdlet
{
    /// <summary>A patch file of the task other than its newest (relative to the current location, or absolute).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The patch named by -Path, resolved the PowerShell way; null for the task's newest.</summary>
    protected string? PatchPath => Path is null ? null : ResolvePath(Path);
}
