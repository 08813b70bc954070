using Msgcode.Core.Errors;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// Removes a task (see <see cref="Tasks.TaskStore.Remove"/>), refusing one that still has its worktree: the worktree may
/// hold work no patch has captured, and a task removed from under it would leave an unexplained branch and folder. The
/// worktree goes first, deliberately, with Remove-MsgcodeWorktree (which refuses uncaptured work in its turn).
/// </summary>
public static class TaskRemoval
{
    /// <returns>The ids of the run records removed (none unless <paramref name="removeRuns"/>).</returns>
    public static IReadOnlyCollection<string> Remove(WorktreeManager worktrees, string idOrPrefix, bool removeRuns)
    {
        var id = worktrees.Store.Resolve(idOrPrefix);
        var path = worktrees.PathFor(id);
        if (Directory.Exists(path))
        {
            throw new MsgcodeException(ErrorIds.TaskHasWorktree, MsgcodeErrorCategory.InvalidOperation, id,
                $"Task {id} still has its worktree '{path}'. Nothing was removed. Remove the worktree first (Remove-MsgcodeWorktree {id}), then the task.");
        }

        return worktrees.Store.Remove(id, removeRuns);
    }
}
