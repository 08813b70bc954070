using System.Management.Automation;
using Msgcode.Core.Service;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Stops and removes the msgcode daemon's per-user service.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Uninstall, "MsgcodeService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ServiceChange))]
public sealed class UninstallMsgcodeServiceCommand : MsgcodeCmdlet
{
    [Parameter]
    [ValidateSet(ServiceManagers.Launchd, ServiceManagers.Systemd)]
    public string? Manager { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var manager = ServiceSupport.Manager(Manager);
        if (!ShouldProcess(manager.UnitPath.Length > 0 ? manager.UnitPath : manager.Manager, $"Stop and remove the msgcode {manager.Manager} service"))
        {
            return;
        }

        var change = manager.Uninstall(Core.Config.MsgcodeHome.Resolve());
        WriteVerbose($"{change.Action}: {change.UnitPath}");
        if (PassThru)
        {
            WriteObject(change);
        }
    }
}
