using Msgcode.Core.Errors;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// The worktrees of a task and of its attempts, together: Get-MsgcodeWorktree and Remove-MsgcodeWorktree given a task
/// that ran as attempts act on the attempts' worktrees too.
/// </summary>
internal static class AttemptWorktrees
{
    /// <summary>The task (a full id) and its attempts' task ids, in attempt order.</summary>
    public static IReadOnlyList<string> TasksOf(TaskStore store, string taskId)
    {
        if (!TaskId.IsValid(taskId) || !File.Exists(store.JsonPath(taskId)))
        {
            return [taskId]; // a worktree can outlive its task
        }

        try
        {
            return [taskId, .. TaskAttempts.Of(store.ReadDocument(taskId)).Select(a => a.TaskId)];
        }
        catch (MsgcodeException)
        {
            return [taskId];
        }
    }

    public static IReadOnlyList<WorktreeInfo> List(WorktreeManager manager, string taskId, Action<MsgcodeProblem>? onProblem)
        => [.. TasksOf(manager.Store, taskId).SelectMany(id => manager.List(id, onProblem: onProblem))];

    /// <summary>
    /// Removes the worktrees of the task and its attempts. Refuses before removing any while one of them runs
    /// (<see cref="ErrorIds.TaskAlreadyRunning"/>); a task or attempt without a worktree is passed over (all of them without one: <see cref="ErrorIds.WorktreeNotFound"/>).
    /// </summary>
    public static IReadOnlyList<WorktreeInfo> Remove(WorktreeManager manager, string taskId, bool force, CancellationToken cancellationToken)
    {
        var ids = TasksOf(manager.Store, taskId);
        if (ids.Count == 1)
        {
            return [manager.Remove(taskId, force, cancellationToken)];
        }

        foreach (var id in ids)
        {
            if (manager.RunsNow(id))
            {
                throw new MsgcodeException(ErrorIds.TaskAlreadyRunning, MsgcodeErrorCategory.ResourceUnavailable, id,
                    $"{(id == taskId ? "Task" : "Attempt")} {id} of task {taskId} is running in its worktree now; no worktree of the task was removed. Wait for the run to end (or stop it), then remove them.");
            }
        }

        var held = ids.Where(id => manager.List(id).Count > 0).ToList();
        if (held.Count == 0)
        {
            throw new MsgcodeException(ErrorIds.WorktreeNotFound, MsgcodeErrorCategory.ObjectNotFound, taskId, $"Task {taskId} and its attempts have no worktree in '{manager.Workspace}'.");
        }

        return [.. held.Select(id => manager.Remove(id, force, cancellationToken))];
    }
}
