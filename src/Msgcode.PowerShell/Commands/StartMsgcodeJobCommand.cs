using System.Management.Automation;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Runs a scheduled job now, through the daemon, without changing its schedule.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "MsgcodeJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(JobInfo))]
public sealed class StartMsgcodeJobCommand : JobIdCmdlet
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var job = Store().Get(Id);
        if (!ShouldProcess($"{job.Id} ({job.Name})", "Run the job now in the daemon"))
        {
            return;
        }

        var daemon = new DaemonController(MsgcodeHome.Resolve()).GetStatus(queryEndpoint: true, CancellationToken);
        if (!daemon.Running)
        {
            throw new MsgcodeException(ErrorIds.DaemonNotRunning, MsgcodeErrorCategory.ResourceUnavailable, job.Id,
                "The daemon runs jobs, and it is not running. Start it with Start-MsgcodeDaemon, then run the job again.");
        }

        if (daemon.JobsEnabled == false)
        {
            // The daemon's own reading of jobs.enabled: its environment may differ from this session's.
            throw new MsgcodeException(ErrorIds.JobsDisabled, MsgcodeErrorCategory.InvalidOperation, job.Id,
                "The daemon fires no job while jobs.enabled is false. Turn jobs on with Set-MsgcodeConfig jobs.enabled true (Get-MsgcodeEffectiveConfig jobs.enabled shows where it is set), then run the job again.");
        }

        // A durable request in jobs.json: the daemon picks it up at once (file watcher) and fires it exactly once.
        var requested = Store().RequestRun(job.Id);
        if (PassThru)
        {
            WriteObject(Info(requested));
        }
    }
}
