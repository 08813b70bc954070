using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Tasks;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Changes a task's title, prompt, runner, model, notes or status.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "MsgcodeTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(TaskInfo))]
public sealed class SetMsgcodeTaskCommand : TaskCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskId")]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;

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

    /// <summary>Allows reopening a done or canceled task.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var store = Store();
        try
        {
            var id = store.Resolve(Id);
            var title = Title is null ? null : TaskStore.ValidateTitle(Title);
            var runner = Runner is null ? null : TaskStore.ValidateRunnerKind(Runner);
            var changes = new List<string>();
            if (title is not null) changes.Add("title");
            if (Prompt is not null) changes.Add("prompt");
            if (runner is not null) changes.Add("runner");
            if (Model is not null) changes.Add("model");
            if (Notes is not null) changes.Add("notes");
            if (Status is not null) changes.Add($"status → {Status}");
            if (!ShouldProcess(id, $"Set {(changes.Count == 0 ? "nothing" : string.Join(", ", changes))}"))
            {
                return;
            }

            var task = store.Update(id, d =>
            {
                var changed = false;
                if (title is not null && d.Title != title) { d.Title = title; changed = true; }
                if (Prompt is not null && d.Prompt != Prompt) { d.Prompt = Prompt; changed = true; }
                if (runner is not null && d.RunnerKind != runner) { d.RunnerKind = runner; changed = true; }
                if (Model is not null && d.Model != Model) { d.Model = Model; changed = true; }
                if (Notes is not null && d.LastSummary != Notes) { d.LastSummary = Notes; changed = true; }
                if (Status is not null && d.Status != Status)
                {
                    if (d.Status == TaskStatuses.Running)
                    {
                        throw new MsgcodeException(ErrorIds.TaskTransitionInvalid, MsgcodeErrorCategory.InvalidOperation, id,
                            $"Task {id} is running; its status changes when the run ends. Stop the run first.");
                    }

                    TaskStatuses.RequireTransition(id, d.Status, Status, Force);
                    d.Status = Status;
                    changed = true;
                }

                return changed;
            });
            if (PassThru)
            {
                WriteObject(task);
            }
        }
        catch (MsgcodeException ex)
        {
            WriteMsgcodeError(ex);
        }
    }
}
