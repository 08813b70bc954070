using Msgcode.Core.Config;

namespace Msgcode.Core.Worktrees;

/// <summary>The workspace-scoped settings of worktree isolation.</summary>
public sealed record WorktreeSettings
{
    /// <summary>The git repository, relative to the workspace ("." = the workspace itself).</summary>
    public string RepositoryPath { get; init; } = ".";

    /// <summary>Untracked files copied from the main tree into each new worktree (names or globs relative to the repository).</summary>
    public IReadOnlyList<string> CopyPatterns { get; init; } = [".env"];

    /// <summary>The verify command run in each worktree after its runner (<c>worktree.verify</c>); null: none.</summary>
    public string? VerifyCommand { get; init; }

    public TimeSpan VerifyTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public static WorktreeSettings From(ConfigReport report) => new()
    {
        VerifyCommand = report.GetString("worktree.verify") is { Length: > 0 } verify && !string.IsNullOrWhiteSpace(verify) ? verify : null,
        VerifyTimeout = TimeSpan.FromSeconds(report.GetInt64("worktree.verifyTimeoutSec")),
        RepositoryPath = report.GetString("worktree.repository") is { Length: > 0 } repository ? repository : ".",
        CopyPatterns = report.GetRaw("worktree.copyFiles") is IEnumerable<string> patterns ? patterns.Where(p => p.Length > 0).ToArray() : [],
    };
}
