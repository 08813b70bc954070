using System.Management.Automation;
using Msgcode.Core.Tasks;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Changes a task's title, prompt, runner, model, notes or status.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "MsgcodeTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(TaskInfo))]
public sealed class SetMsgcodeTaskCommand : TaskIdCmdlet
{
    [Parameter]
    public string? Title { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? Prompt { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(RunnerKindCompleter))]
    public string? Runner { get; set; }

    [Parameter]
    public string? Model { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? Notes { get; set; }

    [Parameter]
    [ValidateSet(TaskStatuses.Open, TaskStatuses.Blocked, TaskStatuses.Done, TaskStatuses.Canceled)]
    public string? Status { get; set; }

    /// <summary>Allows reopening a done or canceled task, and a runner name no runner has yet.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var store = Store();
        var id = store.Resolve(Id);
        var edit = new TaskEdit { Title = Title, Prompt = Prompt, Runner = RunnerCheck.Require(this, Runner, Force), Model = Model, Notes = Notes, Status = Status, Force = Force };
        var parts = edit.Parts();
        if (!ShouldProcess(id, $"Set {(parts.Count == 0 ? "nothing" : string.Join(", ", parts))}"))
        {
            return;
        }

        var task = edit.Apply(store, id);
        if (PassThru)
        {
            WriteObject(task);
        }
    }
}
