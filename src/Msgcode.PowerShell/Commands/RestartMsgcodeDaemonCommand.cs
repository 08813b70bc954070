using System.Management.Automation;
using Msgcode.Core.Daemon;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Stops the msgcode daemon gracefully, then starts it again: through the installed service, or detached.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Restart, "MsgcodeDaemon", SupportsShouldProcess = true)]
[OutputType(typeof(DaemonInfo))]
public sealed class RestartMsgcodeDaemonCommand : MsgcodeCmdlet
{
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var sources = ConfigSources(null);
        if (!ShouldProcess(sources.Home.Path, "Restart the msgcode daemon"))
        {
            return;
        }

        var timeout = TimeoutSec > 0 ? TimeoutSec : DaemonController.DefaultStopTimeoutSec(sources);
        var (stopped, started) = ServiceSupport.Launcher(this, sources.Home).Restart(TimeSpan.FromSeconds(timeout), TimeSpan.FromSeconds(30), CancellationToken);
        ServiceSupport.ReportStop(this, stopped, timeout);

        if (PassThru)
        {
            WriteObject(started.Info);
        }
    }
}
