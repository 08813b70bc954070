namespace Msgcode.Core.Worktrees;

/// <summary>States a task's worktree can be in, as Get-MsgcodeWorktree reports them.</summary>
public static class WorktreeStates
{
    /// <summary>A registered git worktree on its msgcode branch, with a task that points at it.</summary>
    public const string Active = "active";

    /// <summary>A registered worktree whose task no longer exists.</summary>
    public const string Orphaned = "orphaned";

    /// <summary>The task points at a worktree whose folder is gone.</summary>
    public const string Missing = "missing";

    /// <summary>git still lists the worktree, but its folder is gone (git worktree prune removes the record).</summary>
    public const string Prunable = "prunable";

    /// <summary>A folder under worktrees/ that is not a git worktree (a creation cut short, or something else).</summary>
    public const string NotAWorktree = "not-a-worktree";

    /// <summary>Removed just now (what Remove-MsgcodeWorktree -PassThru returns: the worktree as it was, in this state).</summary>
    public const string Removed = "removed";
}
