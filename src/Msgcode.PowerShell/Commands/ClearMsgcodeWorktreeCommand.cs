using System.Management.Automation;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Prunes what is safe to prune among a workspace's worktrees, and keeps (and reports) what holds work.</para>
/// </summary>
[Cmdlet(VerbsCommon.Clear, "MsgcodeWorktree", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(WorktreeCleanupItem))]
public sealed class ClearMsgcodeWorktreeCommand : TaskCmdlet
{
    protected override void ProcessRecordCore()
    {
        var items = Worktrees().Cleanup((target, action) => ShouldProcess(target, action), WriteProblem, CancellationToken);
        // A removal not made (-WhatIf, or No at -Confirm) was already told as such: only what happened is output, and
        // under -WhatIf nothing at all (what would be kept goes to the verbose stream).
        var whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out var given) ? ((SwitchParameter)given).IsPresent : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
        foreach (var item in items.Where(i => i.Action != "wouldRemove"))
        {
            if (whatIf)
            {
                WriteVerbose(item.ToString());
            }
            else
            {
                WriteObject(item);
            }
        }
    }
}
