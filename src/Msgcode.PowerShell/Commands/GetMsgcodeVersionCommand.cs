using System.Management.Automation;
using Msgcode.Core.Doctor;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Shows the versions msgcode runs with: msgcode, PowerShell, .NET, the platform and the native git library.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeVersion")]
[OutputType(typeof(MsgcodeVersionInfo))]
public sealed class GetMsgcodeVersionCommand : MsgcodeCmdlet
{
    protected override void ProcessRecordCore()
    {
        var psVersion = SessionState.PSVariable.GetValue("PSVersionTable") is System.Collections.IDictionary table && table["PSVersion"] is object v
            ? v.ToString()!
            : typeof(PSObject).Assembly.GetName().Version?.ToString() ?? "unknown";
        var modulePath = MyInvocation.MyCommand.Module?.ModuleBase ?? Path.GetDirectoryName(typeof(GetMsgcodeVersionCommand).Assembly.Location)!;
        WriteObject(EnvironmentInfo.Collect(psVersion, modulePath));
    }
}
