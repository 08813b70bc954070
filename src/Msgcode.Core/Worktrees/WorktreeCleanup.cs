using Msgcode.Core.Errors;

namespace Msgcode.Core.Worktrees;

/// <summary>Clear-MsgcodeWorktree: what is left of worktrees that are gone, empty or orphaned, pruned where it holds no work.</summary>
internal sealed class WorktreeCleanup
{
    private readonly WorktreeManager _manager;

    public WorktreeCleanup(WorktreeManager manager) => _manager = manager;

    /// <summary>
    /// Prunes what is safe to prune and keeps what holds work: git's records of worktrees whose folder is gone,
    /// empty leftovers of a creation cut short, worktrees whose task is gone and that hold nothing uncaptured, and
    /// task records pointing at a worktree that no longer exists. <paramref name="shouldProcess"/> is asked before
    /// each removal (target, action); answering false reports it as wouldRemove.
    /// </summary>
    public IReadOnlyList<WorktreeCleanupItem> Run(Func<string, string, bool> shouldProcess, Action<MsgcodeProblem>? onProblem = null, CancellationToken cancellationToken = default)
    {
        var facts = _manager.Inspect();
        var items = new List<WorktreeCleanupItem>();
        WorktreeCleanupItem Item(string kind, string? id, string path, string action, string reason)
        {
            var item = new WorktreeCleanupItem { Kind = kind, TaskId = id, Path = path, Action = action, Reason = reason, Workspace = _manager.Workspace };
            items.Add(item);
            return item;
        }

        foreach (var info in _manager.List(onProblem: onProblem))
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (info.State)
            {
                case WorktreeStates.Prunable:
                    if (shouldProcess(info.Path, "Prune git's record of a worktree whose folder is gone"))
                    {
                        GitCli.Require(facts.Root, ["worktree", "prune"], cancellationToken: cancellationToken);
                        DropBareBranch(facts, info);
                        _manager.ForgetRecord(info.TaskId);
                        Item("prunableRecord", info.TaskId, info.Path, "removed", "git listed this worktree, but its folder was gone.");
                    }
                    else
                    {
                        Item("prunableRecord", info.TaskId, info.Path, "wouldRemove", "git lists this worktree, but its folder is gone.");
                    }

                    break;

                case WorktreeStates.NotAWorktree:
                    var empty = Directory.Exists(info.Path) && !Directory.EnumerateFileSystemEntries(info.Path).Any();
                    if (!empty)
                    {
                        Item("notAWorktree", info.TaskId, info.Path, "kept", "The folder holds files but is not a git worktree; msgcode leaves it alone. Look inside, then remove it by hand.");
                    }
                    else if (shouldProcess(info.Path, "Remove an empty folder left by a worktree creation cut short"))
                    {
                        PathHelpers.TryDeleteDirectory(info.Path);
                        GitCli.Run(facts.Root, ["worktree", "prune"]);
                        Item("halfCreated", info.TaskId, info.Path, "removed", "An empty folder left by a worktree creation cut short.");
                    }
                    else
                    {
                        Item("halfCreated", info.TaskId, info.Path, "wouldRemove", "An empty folder left by a worktree creation cut short.");
                    }

                    break;

                case WorktreeStates.Orphaned:
                    if (info.HasUncapturedChanges != false)
                    {
                        Item("orphaned", info.TaskId, info.Path, "kept", "Its task is gone, but it holds changes or commits that are not on the main branch. Look at it, then Remove-MsgcodeWorktree " + info.TaskId + " -Force.");
                    }
                    else if (shouldProcess(info.Path, "Remove a worktree (and its branch) whose task is gone and that holds no work"))
                    {
                        _manager.Remove(info.TaskId, force: true, cancellationToken);
                        Item("orphaned", info.TaskId, info.Path, "removed", "Its task was gone and it held no work.");
                    }
                    else
                    {
                        Item("orphaned", info.TaskId, info.Path, "wouldRemove", "Its task is gone and it holds no work.");
                    }

                    break;

                case WorktreeStates.Missing:
                    if (shouldProcess(info.TaskId, "Forget a worktree whose folder is gone (the task's patches are kept)"))
                    {
                        DropBareBranch(facts, info);
                        _manager.ForgetRecord(info.TaskId);
                        Item("missing", info.TaskId, info.Path, "removed", "The task pointed at a worktree whose folder was gone; the record was cleared (its patches are kept).");
                    }
                    else
                    {
                        Item("missing", info.TaskId, info.Path, "wouldRemove", "The task points at a worktree whose folder is gone.");
                    }

                    break;
            }
        }

        return items;
    }

    private static void DropBareBranch(RepositoryFacts facts, WorktreeInfo info)
    {
        var branch = WorktreeManager.BranchFor(info.TaskId);
        if (GitQueries.BranchExists(facts.Root, branch) && info.BaseCommit is not null && GitQueries.BranchIsBare(facts.Root, branch, info.BaseCommit))
        {
            GitCli.Run(facts.Root, ["branch", "-D", "--", branch]);
        }
    }
}
