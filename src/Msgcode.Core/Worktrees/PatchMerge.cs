using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// One merge of a patch into the main tree, as the task records it (<c>merges</c> in its file, newest last), so that
/// Undo-MsgcodePatch knows what to roll back: the patch, how it was merged, and the commit it made.
/// </summary>
public sealed record PatchMerge
{
    /// <summary>The patch file (relative to the workspace).</summary>
    [JsonPropertyName("patch")]
    public required string Patch { get; init; }

    /// <summary>workingTree or commit (as <see cref="PatchApplyResult.Mode"/>).</summary>
    [JsonPropertyName("mode")]
    public required string Mode { get; init; }

    [JsonPropertyName("commit")]
    public string? Commit { get; init; }

    [JsonPropertyName("branch")]
    public string? Branch { get; init; }

    /// <summary>The attempt merged, when the task ran as several attempts.</summary>
    [JsonPropertyName("attempt")]
    public int? Attempt { get; init; }

    [JsonPropertyName("atMs")]
    public long AtMs { get; init; }

    /// <summary>Set once the merge was rolled back: the commit that reverted it (commit mode) or null (working tree).</summary>
    [JsonPropertyName("undone")]
    public bool Undone { get; init; }

    [JsonPropertyName("undoCommit")]
    public string? UndoCommit { get; init; }

    private const string Key = "merges";

    /// <summary>The task's merges, oldest first (none when it has none, or when they cannot be read).</summary>
    public static IReadOnlyList<PatchMerge> Of(TaskDocument task)
    {
        if (task.Root[Key] is not JsonArray array)
        {
            return [];
        }

        try
        {
            return array.Deserialize<List<PatchMerge>>() ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>Appends <paramref name="merge"/> to the task's merges.</summary>
    public static void Add(TaskDocument task, PatchMerge merge)
    {
        if (task.Root[Key] is not JsonArray array)
        {
            array = [];
            task.Root[Key] = array;
        }

        array.Add(JsonSerializer.SerializeToNode(merge));
    }

    /// <summary>Replaces the task's newest merge that is not undone with <paramref name="merge"/>.</summary>
    public static void ReplaceLast(TaskDocument task, PatchMerge merge)
    {
        if (task.Root[Key] is JsonArray array && array.Count > 0)
        {
            array[array.Count - 1] = JsonSerializer.SerializeToNode(merge);
        }
    }
}
