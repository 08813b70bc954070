using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msgcode.Core.Tasks;

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
