namespace Msgcode.Core.Memory;

/// <summary>Where a workspace's memory lives.</summary>
public static class MemoryPaths
{
    public const string FolderName = "memory";

    public const string IndexFolderName = ".index";

    /// <summary><c>&lt;workspace&gt;/memory</c>: the <c>YYYY-MM-DD.md</c> files, which are the truth.</summary>
    public static string MemoryDirectory(string workspace) => Path.Combine(Path.GetFullPath(workspace), FolderName);

    /// <summary><c>&lt;workspace&gt;/memory/.index</c>: the search index, a cache rebuilt from the files at any time.</summary>
    public static string IndexDirectory(string workspace) => Path.Combine(MemoryDirectory(workspace), IndexFolderName);
}
