using Msgcode.Core.Errors;

namespace Msgcode.Core.Tasks;

/// <summary>Which agent session a run continues: the task's own (with -Continue), or its chat's.</summary>
internal static class TaskSessions
{
    /// <summary>
    /// The session a chat's new task continues: the newest session of the chat's other tasks with the same runner
    /// (and isolation), unless a /new came after it. Null: a fresh session.
    /// </summary>
    public static TaskSession? ForChat(TaskStore store, TaskDocument task, bool worktree)
    {
        foreach (var other in store.List().Where(t => t.ChatGuid == task.ChatGuid && t.Id != task.Id).OrderByDescending(t => t.CreatedAtMs).ThenByDescending(t => t.Id, StringComparer.Ordinal))
        {
            var document = other.Document;
            if (document is null || other.CreatedAtMs > task.CreatedAtMs)
            {
                continue;
            }

            if (document.SessionReset)
            {
                return null;
            }

            if (document.Session is { } session && string.Equals(session.Runner, task.RunnerKind, StringComparison.OrdinalIgnoreCase) && session.Worktree == worktree)
            {
                return session;
            }
        }

        return null;
    }

    /// <summary>The check of a run with -Continue: the task has a session of its runner, made where the run runs (worktree or workspace).</summary>
    public static void Require(TaskDocument task, string runner, bool worktree)
    {
        var session = task.Session;
        var problem = session is null ? $"Task {task.Id} has no agent session to continue: no run of it has recorded one yet. Run it once without -Continue."
            : !string.Equals(session.Runner, runner, StringComparison.OrdinalIgnoreCase) ? $"Task {task.Id}'s last session is a {session.Runner} session, and the task now runs with {runner}. Run it without -Continue for a fresh session."
            : session.Worktree != worktree ? $"Task {task.Id}'s last session ran {(session.Worktree ? "in its worktree" : "in the workspace")}; continue it {(session.Worktree ? "with -Worktree" : "without -Worktree")}, where the agent keeps it."
            : null;
        if (problem is not null)
        {
            throw new MsgcodeException(ErrorIds.TaskSessionNotFound, MsgcodeErrorCategory.ObjectNotFound, task.Id, problem);
        }
    }
}
