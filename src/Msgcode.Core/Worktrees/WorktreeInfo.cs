namespace Msgcode.Core.Worktrees;

/// <summary>One task's worktree, as Get-MsgcodeWorktree shows it.</summary>
public sealed class WorktreeInfo
{
    public required string TaskId { get; init; }

    public string? Title { get; init; }

    public required string State { get; init; }

    public required string Path { get; init; }

    public string? Branch { get; init; }

    public string? BaseCommit { get; init; }

    /// <summary>The branch the main tree was on when the worktree was made (null: a detached HEAD).</summary>
    public string? BaseBranch { get; init; }

    /// <summary>The worktree's own HEAD commit (moves when the runner commits).</summary>
    public string? Head { get; init; }

    /// <summary>The worktree's content differs from its base commit.</summary>
    public bool? Dirty { get; init; }

    /// <summary>The worktree holds changes that no patch has captured yet (removal refuses them without -Force).</summary>
    public bool? HasUncapturedChanges { get; init; }

    /// <summary>When the worktree was made (its age in tables is counted from this; a TimeSpan property would spell out in JSON).</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    public string? LastPatch { get; init; }

    public required string Workspace { get; init; }

    public required string Repository { get; init; }

    public override string ToString() => $"{TaskId} {State} {Path}";
}
