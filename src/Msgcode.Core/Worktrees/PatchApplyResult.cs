namespace Msgcode.Core.Worktrees;

/// <summary>The result of applying a patch to the main tree (Merge-MsgcodePatch).</summary>
public sealed class PatchApplyResult
{
    public required string TaskId { get; init; }

    public required string PatchPath { get; init; }

    /// <summary>workingTree (changes left uncommitted) or commit.</summary>
    public required string Mode { get; init; }

    /// <summary>The new commit (commit mode).</summary>
    public string? Commit { get; init; }

    public string? Branch { get; init; }

    public int FilesChanged { get; init; }

    public required string Workspace { get; init; }

    /// <summary>Set when the merge was made but could not be recorded in the task (Undo-MsgcodePatch will not find it).</summary>
    public string? Warning { get; init; }

    public override string ToString() => Commit is null ? $"{TaskId}: {FilesChanged} file(s) applied to the working tree" : $"{TaskId}: {FilesChanged} file(s) committed as {Commit[..Math.Min(12, Commit.Length)]}";
}
