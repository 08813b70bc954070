namespace Msgcode.Core.Worktrees;

/// <summary>Comparing, relating and deleting paths, as the worktree code needs it.</summary>
internal static class PathHelpers
{
    /// <summary>The same path, once made full and with a symbolic link to a folder resolved; case counts on Linux only.</summary>
    public static bool SamePath(string a, string b)
    {
        static string Norm(string p)
        {
            var full = Path.GetFullPath(p).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            try
            {
                var info = new DirectoryInfo(full);
                if (info.Exists && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
                {
                    full = target.FullName;
                }
            }
            catch (IOException)
            {
            }

            return full;
        }

        return string.Equals(Norm(a), Norm(b), OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
    }

    public static bool IsUnder(string path, string folder)
    {
        var relative = Path.GetRelativePath(folder, path);
        return !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    /// <summary><paramref name="path"/> relative to <paramref name="folder"/>, with forward slashes (as task files record paths).</summary>
    public static string Relative(string folder, string path) => Path.GetRelativePath(folder, path).Replace('\\', '/');

    public static string TrimSeparators(string path) => path.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);

    public static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    public static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
