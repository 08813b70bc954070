using System.Management.Automation;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Service;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Starts the msgcode daemon through its installed service (systemctl --user start, launchctl kickstart).</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "MsgcodeService", SupportsShouldProcess = true)]
[OutputType(typeof(DaemonInfo))]
public sealed class StartMsgcodeServiceCommand : MsgcodeCmdlet
{
    [Parameter]
    [ValidateSet(ServiceManagers.Launchd, ServiceManagers.Systemd)]
    public string? Manager { get; set; }

    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSec { get; set; } = 30;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var launcher = ServiceSupport.Launcher(this, MsgcodeHome.Resolve(), Manager);
        launcher.RequireService();
        if (!ShouldProcess(launcher.Controller.Home.Path, "Start the msgcode daemon through its service"))
        {
            return;
        }

        var start = launcher.Start(TimeSpan.FromSeconds(TimeoutSec), CancellationToken);
        WriteVerbose(start.AlreadyRunning ? $"The msgcode daemon is already running (PID {start.Info.Pid})." : $"Started the daemon through {start.Through}.");
        if (PassThru)
        {
            WriteObject(start.Info);
        }
    }
}
