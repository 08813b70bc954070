using System.Management.Automation;
using Msgcode.PowerShell.Completers;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>
/// Shared by the cmdlets that act on one task named by its id or id prefix (Close-, Set-, Invoke-MsgcodeTask,
/// Remove-MsgcodeWorktree and the patch cmdlets); a piped task binds by its Id property.
/// </summary>
public abstract class TaskIdCmdlet : TaskCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskId")]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;
}
