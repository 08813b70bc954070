using System.Management.Automation;
using Msgcode.Core.Daemon;
using Msgcode.Core.Service;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Installs the msgcode daemon as a per-user service (launchd agent on macOS, systemd user unit on Linux) and starts it.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "MsgcodeService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ServiceChange))]
public sealed class InstallMsgcodeServiceCommand : MsgcodeCmdlet
{
    [Parameter]
    [ValidateSet(ServiceManagers.Launchd, ServiceManagers.Systemd)]
    public string? Manager { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Replace a unit or plist that was edited by hand (without it: ServiceUnitModified, nothing changed).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecordCore()
    {
        var manager = ServiceSupport.Manager(Manager);
        manager.RequireManager(); // no launchd or systemd here: ServiceManagerUnavailable, with the detached-mode hint

        var definition = ServiceSupport.Definition(this, manager.Manager);
        if (!ShouldProcess(manager.UnitPath, $"Install the msgcode {manager.Manager} service and start it"))
        {
            return;
        }

        // Hand over: a detached daemon would make the service's daemon fail with "already running".
        var (change, stoppedDetached) = new DaemonLauncher(definition.Home, manager, HostCommand.Daemon(this, DaemonModes.Detached)).Install(definition, Force, CancellationToken);
        if (stoppedDetached is int pid)
        {
            WriteVerbose($"Stopped the detached daemon (PID {pid}) so the service can run it.");
        }

        foreach (var warning in change.Warnings)
        {
            WriteWarning(warning);
        }

        WriteVerbose($"{change.Action}: {change.UnitPath}");
        if (PassThru)
        {
            WriteObject(change);
        }
    }
}
