using System.Management.Automation;
using Msgcode.Core.Channels;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Service;
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

            var queue = new WorkQueue(HostCommand.RunnersSource(this)); // asked per run: an edited capabilities.json applies without a restart
            var jobs = new JobsComponent(queue) { TestKillAt = Environment.GetEnvironmentVariable("MSGCODE_TEST_JOBS_KILL_AT") }; // after the queue: it recovers its runs first, and jobs are queued into it
            var host = new DaemonHost(new DaemonOptions
            {
                Home = home,
                Mode = Mode,
                Queue = queue,
                Components = [queue, jobs, new ChannelService(queue, ChannelServiceOptions.WithMemory(home) with { TestHoldCursor = Environment.GetEnvironmentVariable("MSGCODE_TEST_CHANNEL_HOLD_CURSOR") == "1" })],
                IgnoreSigterm = Environment.GetEnvironmentVariable("MSGCODE_TEST_IGNORE_SIGTERM") == "1",
            });
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

        var controller = new DaemonController(home);
        var service = ServiceSupport.Manager(null);
        if (service.Manager != ServiceManagers.None && File.Exists(service.UnitPath))
        {
            // An installed service owns the daemon: start it there, so the supervisor knows and restarts it.
            var current = controller.GetStatus(queryEndpoint: false, CancellationToken);
            if (current.Running)
            {
                WriteWarning($"The msgcode daemon is already running (PID {current.Pid}).");
            }
            else
            {
                WriteVerbose($"Starting the daemon through {service.Manager} ({service.UnitPath}).");
                service.Start(restart: false);
                current = controller.WaitUntilRunning(TimeSpan.FromSeconds(TimeoutSec), CancellationToken);
            }

            if (PassThru)
            {
                WriteObject(controller.GetStatus(queryEndpoint: true, CancellationToken));
            }

            return;
        }

        var (info, alreadyRunning) = controller.StartDetached(HostCommand.Daemon(this, DaemonModes.Detached), TimeSpan.FromSeconds(TimeoutSec), CancellationToken);
        if (alreadyRunning)
        {
            WriteWarning($"The msgcode daemon is already running (PID {info.Pid}).");
        }

        if (PassThru)
        {
            WriteObject(info);
        }
    }
}
