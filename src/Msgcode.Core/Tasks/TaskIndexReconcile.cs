using Msgcode.Core.Errors;

namespace Msgcode.Core.Tasks;

/// <summary>
/// The rows of <c>index.json</c> brought up to date with a scan of the tasks folder (<see cref="TaskStore.RefreshIndex"/>):
/// a row whose files' stamps are unchanged is kept, any other task file is read again, and rows of deleted files go.
/// </summary>
internal static class TaskIndexReconcile
{
    /// <summary>The current rows, oldest first, and whether they differ from <paramref name="index"/> (null: no usable index).</summary>
    public static (TaskIndexFile Index, bool Changed) Reconcile(TaskStore store, TaskIndexFile? index, TaskFolderScan scan)
    {
        var changed = index is null;
        var rows = new Dictionary<string, TaskIndexEntry>(StringComparer.Ordinal);
        if (index is not null)
        {
            foreach (var row in index.Tasks)
            {
                rows[row.Id] = row;
            }
        }

        var result = new TaskIndexFile();
        foreach (var (id, jsonStamp) in scan.JsonStamps)
        {
            var mdStamp = scan.MdStamps.GetValueOrDefault(id) ?? string.Empty;
            if (rows.TryGetValue(id, out var row) && row.JsonStamp == jsonStamp && row.MdStamp == mdStamp)
            {
                result.Tasks.Add(row);
                continue;
            }

            changed = true;
            result.Tasks.Add(LoadRow(store, id, jsonStamp, mdStamp));
        }

        if (!changed && rows.Count != result.Tasks.Count)
        {
            changed = true; // some task files were deleted
        }

        result.Tasks.Sort((a, b) => a.CreatedAtMs != b.CreatedAtMs ? a.CreatedAtMs.CompareTo(b.CreatedAtMs) : string.CompareOrdinal(a.Id, b.Id));
        return (result, changed);
    }

    private static TaskIndexEntry LoadRow(TaskStore store, string id, string jsonStamp, string mdStamp)
    {
        try
        {
            var document = store.ReadDocument(id);
            return new TaskIndexEntry
            {
                Id = id,
                Title = document.Title,
                Status = document.Status,
                RunnerKind = document.RunnerKind,
                CreatedAtMs = document.CreatedAtMs,
                UpdatedAtMs = document.UpdatedAtMs,
                JsonStamp = jsonStamp,
                MdStamp = mdStamp,
            };
        }
        catch (MsgcodeException ex)
        {
            return new TaskIndexEntry { Id = id, JsonStamp = jsonStamp, MdStamp = mdStamp, Error = ex.Message, CreatedAtMs = TaskId.CreatedAt(id).ToUnixTimeMilliseconds() };
        }
    }
}
