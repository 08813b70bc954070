using System.Management.Automation;
using Msgcode.Core.Jobs;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Disables a scheduled job: it keeps its definition and history, and does not run until enabled again.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Disable, "MsgcodeJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(JobInfo))]
public sealed class DisableMsgcodeJobCommand : JobSwitchCmdlet
{
    protected override bool Enabled => false;
}
