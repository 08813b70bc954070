using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Disables a scheduled job: it keeps its definition and history, and does not run until enabled again.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Disable, "MsgcodeJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(JobInfo))]
public sealed class DisableMsgcodeJobCommand : JobCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ArgumentCompleter(typeof(JobCompleter))]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        try
        {
            if (!ShouldProcess(Id, "Disable job"))
            {
                return;
            }

            var job = Store().Change(Id, j =>
            {
                if (j.Enabled == false)
                {
                    return false;
                }

                j.Enabled = false;
                return true;
            });
            if (PassThru)
            {
                WriteObject(Info(job));
            }
        }
        catch (MsgcodeException ex)
        {
            WriteMsgcodeError(ex);
        }
    }
}
