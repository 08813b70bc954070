using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Enables a scheduled job: its next run is computed from now (occurrences while it was disabled are not caught up).</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Enable, "MsgcodeJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(JobInfo))]
public sealed class EnableMsgcodeJobCommand : JobCmdlet
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
            if (!ShouldProcess(Id, "Enable job"))
            {
                return;
            }

            var job = Store().Change(Id, j =>
            {
                if (j.Enabled == true)
                {
                    return false;
                }

                j.Enabled = true;
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
