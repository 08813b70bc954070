using Msgcode.Core.Errors;

namespace Msgcode.Core.Worktrees;

/// <summary>Files in the main working tree that git does not track at a commit, and that writing a patch's paths would replace or write through.</summary>
internal static class UntrackedFiles
{
    /// <summary>
    /// The paths a patch writes that exist in the main working tree although <paramref name="commit"/> does not track them:
    /// untracked files and ignored ones (git status lists no ignored file, and checking out the merged commit would write
    /// over them), a file or symbolic link where the patch needs a folder (it would be replaced, or written through), and a
    /// folder holding such files where the patch puts a file. Paths tracked at the commit are left to git status: their
    /// uncommitted changes are local changes. On a file system that ignores case, a path is found under any spelling.
    /// </summary>
    public static string[] InTheWay(string root, string commit, IEnumerable<string> paths)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        LibGit2Sharp.Repository? repository = null;
        LibGit2Sharp.Commit? tip = null;
        try
        {
            foreach (var path in paths.Distinct(StringComparer.Ordinal))
            {
                var parts = path.Split('/');
                for (var depth = 1; depth <= parts.Length; depth++)
                {
                    var relative = string.Join('/', parts, 0, depth);
                    var kind = KindOnDisk(Path.Combine(root, relative));
                    var last = depth == parts.Length;
                    if (kind == DiskKind.None)
                    {
                        break; // nothing there (nor under it): nothing to write over
                    }

                    if (!last && kind == DiskKind.Directory)
                    {
                        continue; // a folder on the way down: look further
                    }

                    // Something exists here: open the repository once, only when it is needed.
                    repository ??= new LibGit2Sharp.Repository(root);
                    tip ??= repository.Lookup(commit) as LibGit2Sharp.Commit ?? throw new MsgcodeException(ErrorIds.GitCommandFailed, MsgcodeErrorCategory.InvalidOperation, root,
                        $"The commit {commit} the patch applies to is not in the repository '{root}'.");
                    if (!Tracked(tip, root, relative) || (last && kind == DiskKind.Directory && HoldsUntracked(tip, root, relative)))
                    {
                        found.Add(relative);
                    }

                    break;
                }
            }
        }
        finally
        {
            repository?.Dispose();
        }

        return [.. found];
    }

    private enum DiskKind
    {
        None,
        File,
        Directory,
        Link,
    }

    /// <summary>What a path is on disk, without following a symbolic link (a dangling one exists too).</summary>
    private static DiskKind KindOnDisk(string full)
        => new FileInfo(full).LinkTarget is not null ? DiskKind.Link
            : Directory.Exists(full) ? DiskKind.Directory
            : File.Exists(full) ? DiskKind.File
            : DiskKind.None;

    /// <summary>The commit holds the path, spelled as given or as the file system spells it (a file system that ignores case finds Readme.md for README.md).</summary>
    private static bool Tracked(LibGit2Sharp.Commit commit, string root, string relative)
    {
        if (commit[relative] is not null)
        {
            return true;
        }

        var spelled = Spelling(root, relative);
        return spelled != relative && commit[spelled] is not null;
    }

    /// <summary>A folder that holds a file or symbolic link (at any depth) that the commit does not track, or that cannot be read through.</summary>
    private static bool HoldsUntracked(LibGit2Sharp.Commit commit, string root, string relative)
    {
        var folders = new Stack<string>([relative]);
        try
        {
            while (folders.TryPop(out var folder))
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(Path.Combine(root, folder)))
                {
                    var child = folder + "/" + Path.GetFileName(entry);
                    if (KindOnDisk(entry) == DiskKind.Directory)
                    {
                        folders.Push(child);
                    }
                    else if (!Tracked(commit, root, child))
                    {
                        return true;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true; // what cannot be read might be the user's: in the way
        }

        return false;
    }

    /// <summary>A relative path as the file system spells it, name by name (the same path on a case-sensitive file system).</summary>
    private static string Spelling(string root, string relative)
    {
        var current = root;
        var spelled = new List<string>();
        foreach (var name in relative.Split('/'))
        {
            var actual = name;
            try
            {
                if (Directory.Exists(current))
                {
                    string? variant = null;
                    foreach (var entry in Directory.EnumerateFileSystemEntries(current))
                    {
                        var found = Path.GetFileName(entry);
                        if (found == name)
                        {
                            variant = null;
                            break;
                        }

                        variant ??= string.Equals(found, name, StringComparison.OrdinalIgnoreCase) ? found : null;
                    }

                    actual = variant ?? name;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Unreadable: keep the name as given (the path then counts as untracked, so as in the way).
            }

            spelled.Add(actual);
            current = Path.Combine(current, actual);
        }

        return string.Join('/', spelled);
    }
}
