using System.IO.Enumeration;

namespace Msgcode.Core.Tasks;

/// <summary>What the tasks folder holds right now, from one directory scan (names, sizes, times; no file is opened).</summary>
internal sealed class TaskFolderScan
{
    public Dictionary<string, string> JsonStamps { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> MdStamps { get; } = new(StringComparer.Ordinal);

    public static TaskFolderScan Of(string directory)
    {
        var scan = new TaskFolderScan();
        if (!Directory.Exists(directory))
        {
            return scan;
        }

        var entries = new FileSystemEnumerable<(string Name, string Stamp)>(directory,
            (ref FileSystemEntry e) => (e.FileName.ToString(), e.LastWriteTimeUtc.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + e.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Directory })
        {
            ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory && e.FileName.StartsWith(TaskId.Prefix, StringComparison.Ordinal),
        };
        foreach (var (name, stamp) in entries)
        {
            if (name.EndsWith(".json", StringComparison.Ordinal))
            {
                var id = name[..^5];
                if (TaskId.IsValid(id))
                {
                    scan.JsonStamps[id] = stamp;
                }
            }
            else if (name.EndsWith(".md", StringComparison.Ordinal))
            {
                var id = name[..^3];
                if (TaskId.IsValid(id))
                {
                    scan.MdStamps[id] = stamp;
                }
            }
        }

        return scan;
    }
}
