using System.Management.Automation;
using Msgcode.Core.Jobs;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Removes a scheduled job. Its firing history in jobs/runs.jsonl and the tasks it created stay.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "MsgcodeJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(JobInfo))]
public sealed class RemoveMsgcodeJobCommand : JobIdCmdlet
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var job = Store().Get(Id);
        if (!ShouldProcess($"{job.Id} ({job.Name})", "Remove job"))
        {
            return;
        }

        var removed = Store().Remove(job.Id);
        if (PassThru)
        {
            WriteObject(Info(removed));
        }
    }
}
