namespace Msgcode.Core.Worktrees;

/// <summary>A merged patch rolled back from the main tree (Undo-MsgcodePatch).</summary>
public sealed class PatchUndoResult
{
    public required string TaskId { get; init; }

    public required string PatchPath { get; init; }

    /// <summary>How the patch had been merged: workingTree (its changes are taken out of the working tree) or commit (a revert commit is made).</summary>
    public required string Mode { get; init; }

    /// <summary>The commit that was reverted (commit mode).</summary>
    public string? RevertedCommit { get; init; }

    /// <summary>The new commit that reverts it (commit mode).</summary>
    public string? Commit { get; init; }

    public string? Branch { get; init; }

    public int? Attempt { get; init; }

    public int FilesChanged { get; init; }

    public required string Workspace { get; init; }

    public override string ToString() => Commit is null ? $"{TaskId}: {FilesChanged} file(s) taken out of the working tree" : $"{TaskId}: reverted by {Commit[..Math.Min(12, Commit.Length)]}";
}
