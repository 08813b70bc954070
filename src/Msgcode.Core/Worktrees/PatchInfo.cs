namespace Msgcode.Core.Worktrees;

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

    /// <summary>What the verify command said of this patch (<c>worktree.verify</c>), or null when none ran.</summary>
    public PatchVerification? Verification { get; init; }

    /// <summary><see cref="PatchVerification.Verified"/>, <see cref="PatchVerification.VerifyFailed"/> or <see cref="PatchVerification.NotVerified"/>.</summary>
    public string VerifyStatus => Verification?.Status ?? PatchVerification.NotVerified;

    public override string ToString() => $"{TaskId} {FilesChanged} file(s) +{Insertions} -{Deletions}";
}
