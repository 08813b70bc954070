using System.Management.Automation;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>Enable-MsgcodeJob and Disable-MsgcodeJob: the same change of a job's enabled flag, one way or the other.</summary>
public abstract class JobSwitchCmdlet : JobIdCmdlet
{
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
