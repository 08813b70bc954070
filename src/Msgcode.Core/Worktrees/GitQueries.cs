using LibGit2Sharp;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// What the worktree code asks of a git repository: its facts, trees, branches, worktrees and local changes.
/// LibGit2Sharp reads the repository; the git command line does what LibGit2Sharp cannot (see <see cref="GitCli"/>).
/// Nothing here moves a branch or touches a working tree or its own index; <see cref="CurrentTree"/> writes git objects through a throwaway index.
/// </summary>
internal static class GitQueries
{
    /// <summary>
    /// The repository at <paramref name="root"/>, checked for what worktree isolation needs: it exists at the configured path
    /// (not merely somewhere above it), has a commit, and has no submodules (their content would be missing from a worktree).
    /// </summary>
    public static RepositoryFacts Inspect(string root, string workspace, bool countLocalChanges)
    {
        string? gitDir = Directory.Exists(root) ? Repository.Discover(root) : null;
        if (gitDir is null)
        {
            throw NotARepository(root, workspace);
        }

        using var repository = new Repository(gitDir);
        var top = repository.Info.WorkingDirectory;
        if (repository.Info.IsBare || top is null || !PathHelpers.SamePath(top, root))
        {
            throw NotARepository(root, workspace);
        }

        var tip = repository.Head.Tip;
        if (tip is null)
        {
            throw new MsgcodeException(ErrorIds.WorktreeRepositoryEmpty, MsgcodeErrorCategory.InvalidOperation, root,
                $"The repository '{root}' has no commit yet, so a worktree has nothing to start from. Make a first commit (git commit --allow-empty -m init) and run again.");
        }

        if (repository.Submodules.Any() || File.Exists(Path.Combine(root, ".gitmodules")))
        {
            throw new MsgcodeException(ErrorIds.WorktreeSubmoduleUnsupported, MsgcodeErrorCategory.NotImplemented, root,
                $"The repository '{root}' has submodules, which task worktrees do not support yet (a worktree would miss their content). Run the task without -Worktree.");
        }

        var local = 0;
        if (countLocalChanges)
        {
            local = repository.RetrieveStatus(new StatusOptions { IncludeUntracked = false, RecurseUntrackedDirs = false, ExcludeSubmodules = true, IncludeIgnored = false })
                .Count(e => e.State != FileStatus.Unaltered && e.State != FileStatus.Ignored);
        }

        return new RepositoryFacts(PathHelpers.TrimSeparators(top), PathHelpers.TrimSeparators(repository.Info.Path), tip.Sha, repository.Info.IsHeadDetached ? null : repository.Head.FriendlyName, local);
    }

    private static MsgcodeException NotARepository(string root, string workspace)
        => new(ErrorIds.WorktreeRepositoryNotFound, MsgcodeErrorCategory.ObjectNotFound, root,
            $"'{root}' is not the top of a git repository, so a task cannot run in a worktree there. Run 'git init' in it, or point worktree.repository at the repository " +
            $"inside the workspace: Set-MsgcodeConfig worktree.repository <relative path> -Workspace '{workspace}'.");

    /// <summary>
    /// The tree of a worktree's content as it is now (commits and uncommitted changes, new files included,
    /// ignored and copied files left out), written through a throwaway index so the worktree's own index is untouched.
    /// </summary>
    public static string CurrentTree(string worktree, IReadOnlyCollection<string> excluded, CancellationToken cancellationToken = default)
    {
        var gitDir = GitCli.Require(worktree, ["rev-parse", "--absolute-git-dir"], cancellationToken: cancellationToken).Text.Trim();
        var index = Path.Combine(gitDir, $"msgcode-index-{Guid.NewGuid():N}");
        try
        {
            var own = Path.Combine(gitDir, "index");
            if (File.Exists(own))
            {
                File.Copy(own, index); // keeps git's stat cache: unchanged files are not hashed again
            }

            var environment = new Dictionary<string, string?> { ["GIT_INDEX_FILE"] = index };
            GitCli.Require(worktree, ["add", "--all", "--", "."], environment, worktree, cancellationToken);
            if (excluded.Count > 0)
            {
                // Copied files (.env and the like) never enter a patch, even when the runner committed them.
                var remove = new List<string> { "rm", "--cached", "--quiet", "--ignore-unmatch", "-r", "--" };
                remove.AddRange(excluded.Select(e => $":(literal){e}"));
                GitCli.Require(worktree, remove, environment, worktree, cancellationToken);
            }

            return GitCli.Require(worktree, ["write-tree"], environment, worktree, cancellationToken).Text.Trim();
        }
        finally
        {
            PathHelpers.TryDeleteFile(index);
        }
    }

    /// <summary>A throwaway index file holding HEAD's tree (the caller deletes it), so a patch is checked or applied without touching the main index.</summary>
    public static string TempIndexFromHead(RepositoryFacts facts, CancellationToken cancellationToken)
    {
        var index = Path.Combine(facts.GitDirectory, $"msgcode-index-{Guid.NewGuid():N}");
        GitCli.Require(facts.Root, ["read-tree", facts.Head], new Dictionary<string, string?> { ["GIT_INDEX_FILE"] = index }, facts.Root, cancellationToken);
        return index;
    }

    public static string? TreeOf(string repository, string commit)
    {
        var result = GitCli.Run(repository, ["rev-parse", "--verify", "--quiet", commit + "^{tree}"]);
        return result.Succeeded ? result.Text.Trim() : null;
    }

    /// <summary><paramref name="ancestor"/> is <paramref name="commit"/> or one of its ancestors.</summary>
    public static bool IsAncestor(string repository, string ancestor, string commit)
        => GitCli.Run(repository, ["merge-base", "--is-ancestor", ancestor, commit]).Succeeded;

    public static bool BranchExists(string repository, string branch)
        => GitCli.Run(repository, ["rev-parse", "--verify", "--quiet", "refs/heads/" + branch]).Succeeded;

    /// <summary>The branch points at <paramref name="commit"/> itself: it holds no commit of its own.</summary>
    public static bool BranchIsBare(string repository, string branch, string commit)
    {
        var tip = GitCli.Run(repository, ["rev-parse", "--verify", "--quiet", "refs/heads/" + branch]);
        return tip.Succeeded && tip.Text.Trim() == commit;
    }

    /// <summary>Paths with uncommitted changes in the main tree, untracked files included.</summary>
    public static IEnumerable<string> LocalChanges(string repository)
    {
        var tokens = GitCli.SplitZ(GitCli.Require(repository, ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules"]).StdOut);
        for (var i = 0; i < tokens.Length; i++)
        {
            var entry = tokens[i];
            if (entry.Length < 4)
            {
                continue;
            }

            yield return entry[3..];
            if (entry[0] is 'R' or 'C' && i + 1 < tokens.Length)
            {
                yield return tokens[++i];
            }
        }
    }

    /// <summary>A commit id short enough to read in a message.</summary>
    public static string Short(string commit) => commit.Length > 12 ? commit[..12] : commit;
}
