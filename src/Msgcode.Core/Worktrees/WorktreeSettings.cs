using Msgcode.Core.Config;

namespace Msgcode.Core.Worktrees;

/// <summary>The workspace-scoped settings of worktree isolation.</summary>
public sealed record WorktreeSettings
{
    /// <summary>The git repository, relative to the workspace ("." = the workspace itself).</summary>
    public string RepositoryPath { get; init; } = ".";

    /// <summary>Untracked files copied from the main tree into each new worktree (names or globs relative to the repository).</summary>
    public IReadOnlyList<string> CopyPatterns { get; init; } = [".env"];

    public static WorktreeSettings From(ConfigReport report) => new()
    {
        RepositoryPath = report.GetString("worktree.repository") is { Length: > 0 } repository ? repository : ".",
        CopyPatterns = report.GetRaw("worktree.copyFiles") is IEnumerable<string> patterns ? patterns.Where(p => p.Length > 0).ToArray() : [],
    };
}
