namespace Msgcode.Core.Worktrees;

/// <summary>What msgcode knows of the repository behind a workspace.</summary>
public sealed record RepositoryFacts(string Root, string GitDirectory, string Head, string? Branch, int LocalChanges);
