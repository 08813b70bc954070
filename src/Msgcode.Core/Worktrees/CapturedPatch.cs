namespace Msgcode.Core.Worktrees;

/// <summary>What capturing a worktree produced.</summary>
public sealed record CapturedPatch(string PatchPath, string SummaryPath, string Tree, string BaseCommit, IReadOnlyList<PatchFileChange> Files);
