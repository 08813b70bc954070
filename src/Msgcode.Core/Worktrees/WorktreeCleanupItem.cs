namespace Msgcode.Core.Worktrees;

/// <summary>One thing Clear-MsgcodeWorktree looked at: what it was, and whether it was removed or kept (and why).</summary>
public sealed class WorktreeCleanupItem
{
    public required string Kind { get; init; }

    public string? TaskId { get; init; }

    public required string Path { get; init; }

    /// <summary>removed, kept, or wouldRemove (-WhatIf, or No at -Confirm; Clear-MsgcodeWorktree does not output those).</summary>
    public required string Action { get; init; }

    public required string Reason { get; init; }

    public required string Workspace { get; init; }

    public override string ToString() => $"{Action} {Kind} {Path}: {Reason}";
}
