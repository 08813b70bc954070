using System.Management.Automation;
using Msgcode.Core.Daemon;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Stops the msgcode daemon gracefully: through the installed service when there is one, else SIGTERM, a drain of in-flight work, SIGKILL after the timeout.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "MsgcodeDaemon", SupportsShouldProcess = true)]
[OutputType(typeof(DaemonStopResult))]
public sealed class StopMsgcodeDaemonCommand : MsgcodeCmdlet
{
    /// <summary>Seconds to wait for the drain before SIGKILL; default: daemon.stopTimeoutSec + 5.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var sources = ConfigSources(null);
        var launcher = ServiceSupport.Launcher(this, sources.Home);
        var controller = launcher.Controller;
        var status = controller.GetStatus(queryEndpoint: false, CancellationToken);
        var target = status.Pid is int pid ? $"msgcode daemon (PID {pid})" : "msgcode daemon";
        if (!ShouldProcess(target, "Stop"))
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
