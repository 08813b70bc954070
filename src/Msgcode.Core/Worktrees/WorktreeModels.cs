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
}

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

    public DateTimeOffset? CreatedAt { get; init; }

    public TimeSpan? Age => CreatedAt is { } created ? DateTimeOffset.Now - created : null;

    public string? LastPatch { get; init; }

    public required string Workspace { get; init; }

    public required string Repository { get; init; }

    public override string ToString() => $"{TaskId} {State} {Path}";
}

/// <summary>One file of a patch: what happened to it and how many lines it gained and lost.</summary>
public sealed class PatchFileChange
{
    public required string Path { get; init; }

    /// <summary>The old path of a renamed or copied file.</summary>
    public string? OldPath { get; init; }

    /// <summary>added, modified, deleted, renamed, copied or typeChanged.</summary>
    public required string Change { get; init; }

    public int? Added { get; init; }

    public int? Deleted { get; init; }

    public bool Binary { get; init; }

    public override string ToString() => OldPath is null ? $"{Change} {Path}" : $"{Change} {OldPath} -> {Path}";
}

/// <summary>A patch written by a worktree run: where it is, what it changes, and (on request) its text.</summary>
public sealed class PatchInfo
{
    public required string TaskId { get; init; }

    public string? RunId { get; init; }

    /// <summary>The patch file (absolute).</summary>
    public required string Path { get; init; }

    public string? SummaryPath { get; init; }

    public string? BaseCommit { get; init; }

    public required PatchFileChange[] Files { get; init; }

    public int FilesChanged => Files.Length;

    public int Insertions => Files.Sum(f => f.Added ?? 0);

    public int Deletions => Files.Sum(f => f.Deleted ?? 0);

    public long Length { get; init; }

    /// <summary>The patch text (filled with -Content).</summary>
    public string? Content { get; init; }

    public required string Workspace { get; init; }

    public override string ToString() => $"{TaskId} {FilesChanged} file(s) +{Insertions} -{Deletions}";
}

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

    public override string ToString() => Commit is null ? $"{TaskId}: {FilesChanged} file(s) applied to the working tree" : $"{TaskId}: {FilesChanged} file(s) committed as {Commit[..Math.Min(12, Commit.Length)]}";
}

/// <summary>One thing Clear-MsgcodeWorktree looked at: what it was, and whether it was removed or kept (and why).</summary>
public sealed class WorktreeCleanupItem
{
    public required string Kind { get; init; }

    public string? TaskId { get; init; }

    public required string Path { get; init; }

    /// <summary>removed, kept, or wouldRemove (-WhatIf).</summary>
    public required string Action { get; init; }

    public required string Reason { get; init; }

    public required string Workspace { get; init; }

    public override string ToString() => $"{Action} {Kind} {Path}: {Reason}";
}
