using System.IO.Enumeration;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msgcode.Core.Tasks;

/// <summary>One row of <c>index.json</c>, with the file stamps that tell whether it is still current.</summary>
public sealed class TaskIndexEntry
{
    [JsonPropertyName("id")]
    public string Id { get; set; } = string.Empty;

    [JsonPropertyName("title")]
    public string Title { get; set; } = string.Empty;

    [JsonPropertyName("status")]
    public string Status { get; set; } = string.Empty;

    [JsonPropertyName("runnerKind")]
    public string RunnerKind { get; set; } = string.Empty;

    [JsonPropertyName("createdAtMs")]
    public long CreatedAtMs { get; set; }

    [JsonPropertyName("updatedAtMs")]
    public long UpdatedAtMs { get; set; }

    /// <summary>"ticks:size" of the .json when this row was made.</summary>
    [JsonPropertyName("jsonStamp")]
    public string JsonStamp { get; set; } = string.Empty;

    /// <summary>"ticks:size" of the .md, or empty when there was none.</summary>
    [JsonPropertyName("mdStamp")]
    public string MdStamp { get; set; } = string.Empty;

    /// <summary>Set for a task file that could not be read: why (the row keeps it from being re-read until it changes).</summary>
    [JsonPropertyName("error")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; set; }
}

/// <summary>The contents of <c>tasks/index.json</c>: a cache, rebuilt from the task files whenever it is missing, stale or corrupt.</summary>
public sealed class TaskIndexFile
{
    [JsonPropertyName("version")]
    public int Version { get; set; } = 1;

    [JsonPropertyName("tasks")]
    public List<TaskIndexEntry> Tasks { get; set; } = [];

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static TaskIndexFile? TryRead(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
            var index = JsonSerializer.Deserialize<TaskIndexFile>(stream, Options);
            return index is { Version: 1 } && index.Tasks.All(t => TaskId.IsValid(t.Id)) ? index : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Options);
}

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
