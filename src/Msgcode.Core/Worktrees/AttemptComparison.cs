namespace Msgcode.Core.Worktrees;

/// <summary>
/// One attempt of a task, as Compare-MsgcodePatch ranks it: its runner and run, what the verify command said, what its
/// patch changes and whether that still applies to the main tree, and what the run cost.
/// </summary>
public sealed class AttemptComparison
{
    /// <summary>1 is the best attempt.</summary>
    public int Rank { get; set; }

    public required int Attempt { get; init; }

    /// <summary>The attempt's own task.</summary>
    public required string TaskId { get; init; }

    /// <summary>The task the attempt belongs to.</summary>
    public required string ParentId { get; init; }

    public required string Runner { get; init; }

    public string? Model { get; init; }

    /// <summary>The attempt's newest run: succeeded, failed, ...; none when it has not run.</summary>
    public string? RunStatus { get; init; }

    public string? RunId { get; init; }

    /// <summary>Verified, VerifyFailed or NotVerified (<see cref="PatchVerification"/>); NoPatch when the attempt made none.</summary>
    public required string VerifyStatus { get; init; }

    public int FilesChanged { get; init; }

    public int Insertions { get; init; }

    public int Deletions { get; init; }

    /// <summary>Whether the patch applies to the main tree's HEAD now.</summary>
    public bool? AppliesCleanly { get; init; }

    /// <summary>The files whose hunks do not apply to the main tree's HEAD now.</summary>
    public string[] Conflicts { get; init; } = [];

    public long? InputTokens { get; init; }

    public long? OutputTokens { get; init; }

    public decimal? CostUsd { get; init; }

    /// <summary>How long the attempt's run took, in seconds (a number, so ConvertTo-Json writes it plainly).</summary>
    public double? DurationSeconds { get; init; }

    public string? PatchPath { get; init; }

    /// <summary>The files the patch changes.</summary>
    public string[] Files { get; init; } = [];

    /// <summary>With -Detailed: the files another attempt changed too.</summary>
    public string[]? SharedFiles { get; set; }

    /// <summary>With -Detailed: for each shared file, how this attempt's version differs from the best attempt's (a diff; empty when they agree).</summary>
    public IReadOnlyDictionary<string, string>? DifferencesFromBest { get; set; }

    public required string Workspace { get; init; }

    public override string ToString() => $"#{Rank} attempt {Attempt} ({Runner}): {RunStatus ?? "not run"}, {VerifyStatus}, {FilesChanged} file(s) +{Insertions} -{Deletions}";
}
