using System.Management.Automation;
using Msgcode.Core.Daemon;
using Msgcode.Core.Service;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Restarts the msgcode daemon through its installed service (systemctl --user restart, launchctl kickstart -k); it keeps the service's mode.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Restart, "MsgcodeService", SupportsShouldProcess = true)]
[OutputType(typeof(DaemonInfo))]
public sealed class RestartMsgcodeServiceCommand : MsgcodeCmdlet
{
    [Parameter]
    [ValidateSet(ServiceManagers.Launchd, ServiceManagers.Systemd)]
    public string? Manager { get; set; }

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
        if (!ShouldProcess(launcher.Controller.Home.Path, "Restart the msgcode daemon through its service"))
        {
            return;
        }

        var timeout = TimeoutSec > 0 ? TimeoutSec : DaemonController.DefaultStopTimeoutSec(sources);
        var (stopped, started) = launcher.Restart(TimeSpan.FromSeconds(timeout), TimeSpan.FromSeconds(30), CancellationToken);
        ServiceSupport.ReportStop(this, stopped, timeout);
        if (PassThru)
        {
            WriteObject(started.Info);
        }
    }
}
