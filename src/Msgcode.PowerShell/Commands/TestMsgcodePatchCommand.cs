using System.Management.Automation;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Tests whether a task's patch applies cleanly to the main branch's current HEAD; -Detailed reports drift, conflicts and local changes.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MsgcodePatch", DefaultParameterSetName = QuietSet)]
[OutputType(typeof(bool), ParameterSetName = [QuietSet])]
[OutputType(typeof(PatchCheck), ParameterSetName = [DetailedSet])]
public sealed class TestMsgcodePatchCommand : PatchCmdlet
{
    public const string QuietSet = "Quiet";
    public const string DetailedSet = "Detailed";

    [Parameter(Mandatory = true, ParameterSetName = DetailedSet)]
    public SwitchParameter Detailed { get; set; }

    protected override void ProcessRecordCore()
    {
        var manager = Worktrees();
        var check = manager.Check(PatchTaskId(manager), PatchPath, CancellationToken);
        if (Detailed)
        {
            WriteObject(check);
            return;
        }

        WriteVerbose(check.Message);
        WriteObject(check.AppliesCleanly && check.LocalChangesTouched.Length == 0);
    }
}
