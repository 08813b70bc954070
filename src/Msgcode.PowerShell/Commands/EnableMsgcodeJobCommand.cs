using System.Management.Automation;
using Msgcode.Core.Jobs;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Enables a scheduled job: its next run is computed from now (occurrences while it was disabled are not caught up).</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Enable, "MsgcodeJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(JobInfo))]
public sealed class EnableMsgcodeJobCommand : JobSwitchCmdlet
{
    protected override bool Enabled => true;
}
