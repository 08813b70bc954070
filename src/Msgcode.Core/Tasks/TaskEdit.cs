using Msgcode.Core.Errors;

namespace Msgcode.Core.Tasks;

/// <summary>
/// A change to a task as Set-MsgcodeTask, Close-MsgcodeTask and a chat's /close ask for it: every field optional,
/// validated before the task is touched, applied under the task's lock by <see cref="Apply"/>. A running task's
/// status is never changed by an edit (the run's end sets it).
/// </summary>
public sealed record TaskEdit
{
    public string? Title { get; init; }

    public string? Prompt { get; init; }

    public string? Runner { get; init; }

    public string? Model { get; init; }

    /// <summary>The task's notes (<c>notes.text</c>): kept across runs, unlike the last run's summary.</summary>
    public string? Notes { get; init; }

    public string? Status { get; init; }

    /// <summary>Allows reopening a done or canceled task.</summary>
    public bool Force { get; init; }

    /// <summary>A close's reason (<c>notes.closeReason</c>): kept apart from the last run's summary, which a later run overwrites.</summary>
    public string? CloseReason { get; init; }

    /// <summary>What the refusal tells to do when the task is running (the chat says /stop).</summary>
    public string WhenRunning { get; init; } = "Stop the run first.";

    /// <summary>Closing as done or canceled, with an optional reason.</summary>
    public static TaskEdit Close(string status, string? reason = null, string? whenRunning = null)
        => new() { Status = status, CloseReason = reason, WhenRunning = whenRunning ?? "Stop the run first." };

    /// <summary>What the edit changes, for ShouldProcess.</summary>
    public IReadOnlyList<string> Parts()
    {
        var parts = new List<string>();
        if (Title is not null) parts.Add("title");
        if (Prompt is not null) parts.Add("prompt");
        if (Runner is not null) parts.Add("runner");
        if (Model is not null) parts.Add("model");
        if (Notes is not null) parts.Add("notes");
        if (Status is not null) parts.Add($"status → {Status}");
        if (CloseReason is not null) parts.Add("close reason");
        return parts;
    }

    /// <summary>
    /// Applies the edit to task <paramref name="id"/> (a full id) and returns it. Throws <see cref="ErrorIds.TaskFieldInvalid"/>
    /// for a bad title or runner kind before anything is written, and <see cref="ErrorIds.TaskTransitionInvalid"/>
    /// for a status change the task's status forbids. A task the edit would not change is not written.
    /// </summary>
    public TaskInfo Apply(TaskStore store, string id)
    {
        var title = Title is null ? null : TaskStore.ValidateTitle(Title);
        var runner = Runner is null ? null : TaskStore.ValidateRunnerKind(Runner);
        return store.Update(id, d =>
        {
            var changed = false;
            if (title is not null && d.Title != title) { d.Title = title; changed = true; }
            if (Prompt is not null && d.Prompt != Prompt) { d.Prompt = Prompt; changed = true; }
            if (runner is not null && d.RunnerKind != runner) { d.RunnerKind = runner; changed = true; }
            if (Model is not null && d.Model != Model) { d.Model = Model; changed = true; }
            if (Notes is not null && d.Notes != Notes) { d.Notes = Notes; changed = true; }
            if (Status is not null && (d.Status != Status || CloseReason is not null))
            {
                if (d.Status == TaskStatuses.Running)
                {
                    throw new MsgcodeException(ErrorIds.TaskTransitionInvalid, MsgcodeErrorCategory.InvalidOperation, id,
                        $"Task {id} is running; its status changes when the run ends. {WhenRunning}");
                }

                TaskStatuses.RequireTransition(id, d.Status, Status, Force);
                d.Status = Status;
                changed = true;
            }

            if (CloseReason is not null)
            {
                d.CloseReason = CloseReason;
                changed = true;
            }

            return changed;
        });
    }
}
