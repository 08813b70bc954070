using System.Management.Automation;
using Msgcode.PowerShell.Completers;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>
/// Shared by the cmdlets that act on one job named by its id, id prefix or name (Enable-, Disable-, Remove- and
/// Start-MsgcodeJob); job ids piped in, or jobs by their Id property, bind to it.
/// </summary>
public abstract class JobIdCmdlet : JobCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ArgumentCompleter(typeof(JobCompleter))]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;
}
