using System.Management.Automation;
using Msgcode.Core.Service;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Shows the msgcode daemon's per-user service: manager, unit file, whether it is installed and current, and its state.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeService")]
[OutputType(typeof(ServiceInfo))]
public sealed class GetMsgcodeServiceCommand : MsgcodeCmdlet
{
    [Parameter]
    [ValidateSet(ServiceManagers.Launchd, ServiceManagers.Systemd)]
    public string? Manager { get; set; }

    protected override void ProcessRecordCore()
    {
        var manager = ServiceSupport.Manager(Manager);
        var expected = manager.Manager == ServiceManagers.None ? null : ServiceSupport.Definition(this, manager.Manager);
        WriteObject(manager.Get(expected));
    }
}
