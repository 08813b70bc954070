using System.Management.Automation;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Ranks the attempts of a task: verified first, then a succeeded run, then the fewest conflicts with the main tree, then the smallest patch.</para>
/// </summary>
[Cmdlet(VerbsData.Compare, "MsgcodePatch")]
[OutputType(typeof(AttemptComparison))]
public sealed class CompareMsgcodePatchCommand : TaskIdCmdlet
{
    /// <summary>Adds the files several attempts changed, and how each attempt's version of them differs from the best attempt's.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void ProcessRecordCore()
    {
        foreach (var row in Worktrees().Compare(Id, Detailed, CancellationToken))
        {
            WriteObject(row);
        }
    }
}
