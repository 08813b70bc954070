namespace Msgcode.Core.Worktrees;

/// <summary>One worktree as git itself records it (the main working tree excluded).</summary>
internal sealed record RegisteredWorktree(string Path, string? Head, string? Branch, bool Prunable, bool Main)
{
    /// <summary>git's own list of worktrees (<c>git worktree list --porcelain -z</c>).</summary>
    public static List<RegisteredWorktree> ListOf(string repository)
    {
        // Another process's `git worktree add` makes .git/worktrees/<name> in several steps; a listing that meets one
        // half made fails ("failed to read .../commondir"): it is asked again a few times before that counts.
        var listed = GitCli.Run(repository, ["worktree", "list", "--porcelain", "-z"]);
        for (var retry = 0; !listed.Succeeded && retry < 20 && listed.StdErr.Contains("failed to read", StringComparison.Ordinal); retry++)
        {
            Thread.Sleep(50);
            listed = GitCli.Run(repository, ["worktree", "list", "--porcelain", "-z"]);
        }

        var fields = System.Text.Encoding.UTF8.GetString((listed.Succeeded ? listed : GitCli.Require(repository, ["worktree", "list", "--porcelain", "-z"])).StdOut).Split('\0');
        var list = new List<RegisteredWorktree>();
        string? path = null, head = null, branch = null;
        var prunable = false;
        foreach (var field in fields.Append(string.Empty))
        {
            if (field.Length == 0)
            {
                if (path is not null)
                {
                    list.Add(new RegisteredWorktree(path, head, branch, prunable, list.Count == 0));
                }

                path = head = branch = null;
                prunable = false;
                continue;
            }

            if (field.StartsWith("worktree ", StringComparison.Ordinal))
            {
                path = field["worktree ".Length..];
            }
            else if (field.StartsWith("HEAD ", StringComparison.Ordinal))
            {
                head = field["HEAD ".Length..];
            }
            else if (field.StartsWith("branch refs/heads/", StringComparison.Ordinal))
            {
                branch = field["branch refs/heads/".Length..];
            }
            else if (field.StartsWith("prunable", StringComparison.Ordinal))
            {
                prunable = true;
            }
        }

        return list.Where(w => !w.Main).ToList();
    }
}
