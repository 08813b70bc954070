using System.Management.Automation;
using Msgcode.PowerShell.Completers;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>Enable-MsgcodeJob and Disable-MsgcodeJob: the same change of a job's enabled flag, one way or the other.</summary>
public abstract class JobSwitchCmdlet : JobCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ArgumentCompleter(typeof(JobCompleter))]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The value the cmdlet sets.</summary>
    protected abstract bool Enabled { get; }

    protected override void ProcessRecordCore()
    {
        if (!ShouldProcess(Id, Enabled ? "Enable job" : "Disable job"))
        {
            return;
        }

        var job = Store().Change(Id, j =>
        {
            if (j.Enabled == Enabled)
            {
                return false;
            }

            j.Enabled = Enabled;
            return true;
        });
        if (PassThru)
        {
            WriteObject(Info(job));
        }
    }
}
