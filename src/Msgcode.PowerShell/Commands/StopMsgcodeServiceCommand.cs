using System.Management.Automation;
using Msgcode.Core.Daemon;
using Msgcode.Core.Service;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Stops the msgcode daemon through its installed service (systemctl --user stop, launchctl bootout), so the supervisor does not start it again.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "MsgcodeService", SupportsShouldProcess = true)]
[OutputType(typeof(DaemonStopResult))]
public sealed class StopMsgcodeServiceCommand : MsgcodeCmdlet
{
    [Parameter]
    [ValidateSet(ServiceManagers.Launchd, ServiceManagers.Systemd)]
    public string? Manager { get; set; }

    /// <summary>Seconds to wait for a daemon that outlives the service's stop; default: daemon.stopTimeoutSec + 5.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var sources = ConfigSources(null);
        var launcher = ServiceSupport.Launcher(this, sources.Home, Manager);
        launcher.RequireService();
        if (!ShouldProcess(launcher.Controller.Home.Path, "Stop the msgcode daemon through its service"))
        {
            return;
        }

        var timeout = TimeoutSec > 0 ? TimeoutSec : DaemonController.DefaultStopTimeoutSec(sources);
        var result = launcher.Stop(TimeSpan.FromSeconds(timeout), CancellationToken);
        ServiceSupport.ReportStop(this, result, timeout);
        if (PassThru)
        {
            WriteObject(result);
        }
    }
}
