namespace Msgcode.Core.Worktrees;

/// <summary>Whether a patch applies to the main branch as it is now.</summary>
public sealed class PatchCheck
{
    public required string TaskId { get; init; }

    public required string PatchPath { get; init; }

    public string? BaseCommit { get; init; }

    /// <summary>The main tree's HEAD commit the patch was checked against.</summary>
    public required string TargetCommit { get; init; }

    /// <summary>The branch checked out in the main tree (null: a detached HEAD).</summary>
    public string? TargetBranch { get; init; }

    /// <summary>The main branch has moved since the worktree was made.</summary>
    public bool BaseDrift { get; init; }

    /// <summary>Commits on the main branch since the base (null when the base is not an ancestor).</summary>
    public int? CommitsSinceBase { get; init; }

    public bool AppliesCleanly { get; init; }

    /// <summary>Every change of the patch is in the main branch's HEAD already (merged before): it does not apply, and there is nothing to merge.</summary>
    public bool AlreadyApplied { get; init; }

    /// <summary>Files whose hunks do not apply to the main branch's HEAD.</summary>
    public string[] Conflicts { get; init; } = [];

    /// <summary>
    /// Files the patch would write that hold local work in the main tree: uncommitted changes, and the files of
    /// <see cref="UntrackedFilesTouched"/>. Merging refuses when there is any (PatchTouchesLocalChanges).
    /// </summary>
    public string[] LocalChangesTouched { get; init; } = [];

    /// <summary>
    /// Paths the patch would write (create, modify, rename onto, delete, or replace with a folder or a file) that exist
    /// in the main working tree but that the commit it applies to does not track: untracked and ignored files (such as
    /// local settings kept out of git by .gitignore), and a file or symbolic link where the patch needs a folder.
    /// They are in <see cref="LocalChangesTouched"/> too.
    /// </summary>
    public string[] UntrackedFilesTouched { get; init; } = [];

    public int FilesChanged { get; init; }

    public required string Message { get; init; }

    public required string Workspace { get; init; }

    public override string ToString() => Message;
}
