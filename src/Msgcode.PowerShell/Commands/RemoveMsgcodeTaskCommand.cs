using System.Management.Automation;
using Msgcode.Core.Tasks;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Removes a task: its .json and .md, its copied input files and its index entry. Its run records stay unless -IncludeRuns.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "MsgcodeTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(TaskInfo))]
public sealed class RemoveMsgcodeTaskCommand : TaskIdCmdlet
{
    /// <summary>Also removes the task's run records from runs.jsonl and their artifact folders.</summary>
    [Parameter]
    public SwitchParameter IncludeRuns { get; set; }

    /// <summary>Returns the task as it was before it was removed.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var task = Store().Get(Id, WriteProblem);
        if (!ShouldProcess($"{task.Id} ({task.Title})", IncludeRuns ? "Remove the task, its input files and its run records" : "Remove the task and its input files"))
        {
            return;
        }

        var runs = TaskRemoval.Remove(Worktrees(), task.Id, IncludeRuns);
        WriteVerbose(IncludeRuns ? $"Removed task {task.Id} and {runs.Count} run record(s)." : $"Removed task {task.Id}; its run records stay in {Store().LedgerPath}.");
        if (PassThru)
        {
            WriteObject(task);
        }
    }
}
