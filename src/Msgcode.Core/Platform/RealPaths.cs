namespace Msgcode.Core.Platform;

/// <summary>
/// Paths with their symbolic links resolved, and whether one lies inside another: what a check that a path stays
/// inside a folder (a chat's /bind under workspace.root, a message's attachment under the Messages attachments folder)
/// must compare, since a link on the way can lead anywhere.
/// </summary>
public static class RealPaths
{
    /// <summary>The path with every symbolic link on it resolved (the parts that do not exist yet kept as they are).</summary>
    public static string Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is not null)
            {
                next = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? next;
                next = Resolve(next); // the target may hold links of its own
            }

            current = next;
        }

        return current;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or inside it (both already resolved).</summary>
    public static bool IsInside(string path, string root)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var trimmedRoot = Path.TrimEndingDirectorySeparator(root);
        return path.StartsWith(trimmedRoot + Path.DirectorySeparatorChar, comparison) || string.Equals(path, trimmedRoot, comparison);
    }
}
