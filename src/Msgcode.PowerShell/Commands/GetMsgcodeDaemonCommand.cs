using System.Management.Automation;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Shows whether the msgcode daemon runs, with its PID, start time, uptime, version, log, mode, endpoint, lanes and queue.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeDaemon")]
[OutputType(typeof(DaemonInfo))]
public sealed class GetMsgcodeDaemonCommand : MsgcodeCmdlet
{
    protected override void ProcessRecordCore()
        => WriteObject(new DaemonController(MsgcodeHome.Resolve()).GetStatus(queryEndpoint: true, CancellationToken));
}
