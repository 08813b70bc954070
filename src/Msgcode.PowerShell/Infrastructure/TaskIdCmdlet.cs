using System.Management.Automation;
using Msgcode.PowerShell.Completers;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>
/// Shared by the cmdlets that act on one task named by its id or id prefix (Close-, Set-, Invoke-MsgcodeTask,
/// Remove-MsgcodeTask, Remove-MsgcodeWorktree and the patch cmdlets). A piped string is an id; any other piped object
/// names its task by its TaskId property (runs, job runs, worktrees, patches, memory notes) or its Id property (tasks),
/// never by its string form (<see cref="TaskIdTransformationAttribute"/>).
/// </summary>
public abstract class TaskIdCmdlet : TaskCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskId")]
    [TaskIdTransformation]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;
}
