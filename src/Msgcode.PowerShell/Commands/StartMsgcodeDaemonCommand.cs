using System.Management.Automation;
using Msgcode.Core.Channels;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Starts the msgcode daemon: detached by default, or in the foreground for launchd, systemd or a terminal.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "MsgcodeDaemon", SupportsShouldProcess = true, DefaultParameterSetName = DetachedSet)]
[OutputType(typeof(DaemonInfo))]
public sealed class StartMsgcodeDaemonCommand : MsgcodeCmdlet
{
    public const string DetachedSet = "Detached";
    public const string ForegroundSet = "Foreground";

    [Parameter(Mandatory = true, ParameterSetName = ForegroundSet)]
    public SwitchParameter Foreground { get; set; }

    [Parameter(ParameterSetName = ForegroundSet)]
    [ValidateSet(DaemonModes.Foreground, DaemonModes.Detached, DaemonModes.Launchd, DaemonModes.Systemd)]
    public string Mode { get; set; } = DaemonModes.Foreground;

    [Parameter(ParameterSetName = DetachedSet)]
    [ValidateRange(1, 600)]
    public int TimeoutSec { get; set; } = 30;

    [Parameter(ParameterSetName = DetachedSet)]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var home = MsgcodeHome.Resolve();
        if (Foreground)
        {
            if (!ShouldProcess(home.Path, "Run the msgcode daemon in the foreground"))
            {
                return;
            }

            var host = DaemonComposition.Compose(home, Mode, HostCommand.RunnersSource(this), DaemonTestHooks.FromEnvironment(Environment.GetEnvironmentVariable));
            WriteVerbose($"msgcode daemon for '{home.Path}' runs in the foreground (PID {Environment.ProcessId}); Ctrl+C or SIGTERM stops it.");
            var exitCode = host.RunAsync(CancellationToken).GetAwaiter().GetResult();
            if (Mode != DaemonModes.Foreground)
            {
                // Started by msgcode, launchd or systemd: this process exists only to be the daemon. Exit with
                // the daemon's own code, so SIGINT (which pwsh also treats as "stop the pipeline") exits 0 as
                // SIGTERM does. An interactive -Foreground returns to its shell instead.
                Environment.Exit(exitCode);
            }

            return;
        }

        if (!ShouldProcess(home.Path, "Start the msgcode daemon"))
        {
            return;
        }

        var start = ServiceSupport.Launcher(this, home).Start(TimeSpan.FromSeconds(TimeoutSec), CancellationToken);
        if (start.AlreadyRunning)
        {
            WriteWarning($"The msgcode daemon is already running (PID {start.Info.Pid}).");
        }
        else if (start.Through is not null)
        {
            WriteVerbose($"Started the daemon through {start.Through}.");
        }

        if (PassThru)
        {
            WriteObject(start.Info);
        }
    }
}
