using System.Text.Json.Nodes;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Tasks;

/// <summary>
/// Several attempts of one task. Each attempt is a task of its own (its claim, runs, session, worktree and patch are
/// its own, so attempts run side by side with every guarantee a task has), made from the task's prompt and marked
/// <c>attemptOf</c>; the task lists its attempts (<c>attempts</c>) and the base commit they all start from.
/// </summary>
public static class TaskAttempts
{
    /// <summary>The most attempts one task may have.</summary>
    public const int MaxAttempts = 16;

    /// <summary>The task's attempts, by number.</summary>
    public static IReadOnlyList<TaskAttempt> Of(TaskDocument task)
        => task.Root["attempts"] is JsonArray array
            ? [.. array.OfType<JsonObject>()
                .Select(o => o["n"] is JsonValue n && n.TryGetValue<int>(out var number) && o["taskId"] is JsonValue t && t.TryGetValue<string>(out var id) && TaskId.IsValid(id)
                    ? new TaskAttempt(number, id, (string?)(o["runner"] as JsonValue) ?? string.Empty)
                    : null)
                .OfType<TaskAttempt>()
                .OrderBy(a => a.Number)]
            : [];

    /// <summary>The task an attempt belongs to and its number, or null when <paramref name="task"/> is no attempt.</summary>
    public static (string TaskId, int Number)? ParentOf(TaskDocument task)
        => task.Root["attemptOf"] is JsonObject o && o["taskId"] is JsonValue t && t.TryGetValue<string>(out var id) && o["n"] is JsonValue n && n.TryGetValue<int>(out var number)
            ? (id, number)
            : null;

    /// <summary>The base commit the task's attempts start from, when one was recorded.</summary>
    public static string? BaseOf(TaskDocument task)
        => task.Root["attemptOf"]?["baseCommit"] is JsonValue b && b.TryGetValue<string>(out var commit) ? commit : null;

    /// <summary>
    /// Makes <paramref name="count"/> attempts of task <paramref name="taskId"/> (a full id), numbered on from its
    /// last one: attempt i runs with <paramref name="runners"/>[i mod their number] (the task's runner when none
    /// are given), from <paramref name="baseCommit"/>. Throws <see cref="ErrorIds.TaskFieldInvalid"/> for a count out
    /// of range or a bad runner kind, before anything is written.
    /// </summary>
    public static IReadOnlyList<TaskInfo> Create(TaskStore store, string taskId, int count, IReadOnlyList<string>? runners, string? baseCommit)
    {
        var parent = store.ReadDocument(taskId);
        if (ParentOf(parent) is { } grandparent)
        {
            throw new MsgcodeException(ErrorIds.TaskFieldInvalid, MsgcodeErrorCategory.InvalidArgument, taskId,
                $"Task {taskId} is attempt {grandparent.Number} of {grandparent.TaskId}; make attempts of {grandparent.TaskId} instead.");
        }

        var existing = Of(parent);
        if (count < 1 || existing.Count + count > MaxAttempts)
        {
            throw new MsgcodeException(ErrorIds.TaskFieldInvalid, MsgcodeErrorCategory.InvalidArgument, count,
                $"A task has at most {MaxAttempts} attempts; task {taskId} has {existing.Count}, so {count} more cannot be made.");
        }

        var kinds = runners is { Count: > 0 } ? runners.Select(TaskStore.ValidateRunnerKind).ToList() : [parent.RunnerKind];
        var first = existing.Count == 0 ? 1 : existing.Max(a => a.Number) + 1;
        var made = new List<TaskInfo>();
        for (var i = 0; i < count; i++)
        {
            var number = first + i;
            var runner = kinds[i % kinds.Count];
            var model = string.Equals(runner, parent.RunnerKind, StringComparison.Ordinal) ? parent.Model : null;
            made.Add(store.Create($"{Shorten(parent.Title)} (attempt {number}, {runner})", parent.Prompt, runner, model, parent.Files, customize: d =>
            {
                d.Root["attemptOf"] = new JsonObject { ["taskId"] = taskId, ["n"] = number, ["baseCommit"] = baseCommit };
            }));
        }

        store.Update(taskId, d =>
        {
            if (d.Root["attempts"] is not JsonArray array)
            {
                array = [];
                d.Root["attempts"] = array;
            }

            foreach (var attempt in made)
            {
                var number = ParentOf(attempt.Document!)!.Value.Number;
                array.Add(new JsonObject { ["n"] = number, ["taskId"] = attempt.Id, ["runner"] = attempt.Runner });
            }

            return true;
        });
        return made;
    }

    /// <summary>The task id of attempt <paramref name="number"/> of task <paramref name="taskId"/>, or <see cref="ErrorIds.AttemptNotFound"/>.</summary>
    public static string Resolve(TaskStore store, string taskId, int number)
    {
        var attempts = Of(store.ReadDocument(taskId));
        return attempts.FirstOrDefault(a => a.Number == number)?.TaskId
            ?? throw new MsgcodeException(ErrorIds.AttemptNotFound, MsgcodeErrorCategory.ObjectNotFound, number,
                attempts.Count == 0
                    ? $"Task {taskId} has no attempts. Invoke-MsgcodeTask -Worktree -Attempts 3 makes some."
                    : $"Task {taskId} has no attempt {number}; it has {string.Join(", ", attempts.Select(a => a.Number))}. Compare-MsgcodePatch {taskId} lists them.");
    }

    private static string Shorten(string title) => title.Length <= 160 ? title : title[..160];
}
