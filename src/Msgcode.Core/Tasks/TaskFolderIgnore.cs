using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Tasks;

/// <summary>
/// <c>tasks/.gitignore</c>: keeps msgcode's machinery out of a workspace kept in git, so <c>git status</c> shows only
/// what people are meant to keep (each task's <c>.json</c> and <c>.md</c>, the <c>runs.jsonl</c> ledger, and the
/// input copies under <c>inputs/</c>, which a re-run of a task needs) and <c>git add -A</c> commits nothing else.
/// Ignored: lock files, the spares task updates exchange through, stray temps of the atomic writer, the
/// <c>index.json</c> cache (rebuilt from the task files at any time) and run artifacts (outputs, scripts and the
/// patches of worktree runs; the ledger records each run). msgcode owns only the lines between its markers and
/// rewrites them when they change; a user's lines outside the markers are kept. The file ignores itself: it is
/// machinery too, and written again wherever tasks are kept (<c>git add -f</c> it to share lines of your own).
/// </summary>
public static class TaskFolderIgnore
{
    public const string FileName = ".gitignore";

    public const string BeginMarker = "# >>> msgcode (these lines are rewritten by msgcode; add yours outside the markers)";

    public const string EndMarker = "# <<< msgcode";

    /// <summary>The patterns, relative to the tasks folder (anchored where only the folder's own names are meant).</summary>
    public static readonly IReadOnlyList<string> Patterns =
    [
        "/" + FileName,
        "/*.lock",
        "/.tasks.spare*",
        "*" + AtomicFile.TempSuffix,
        "/index.json",
        "/artifacts/",
    ];

    /// <summary>
    /// Writes or brings up to date the markers' block of <paramref name="tasksDirectory"/>'s <c>.gitignore</c> (the folder
    /// exists); nothing is written when it is already current. A file that cannot be read or written is left alone: the
    /// ignore file is a courtesy, never a reason for a task or a run to fail.
    /// </summary>
    public static void Ensure(string tasksDirectory)
    {
        var path = Path.Combine(tasksDirectory, FileName);
        try
        {
            var existing = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
            var updated = Merge(existing);
            if (updated != existing)
            {
                AtomicFile.WriteAllText(path, updated, new AtomicWriteOptions { CreateDirectory = false });
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or MsgcodeException)
        {
            // Left as it is: a read-only or odd tasks folder is reported by what needs it, not by its ignore file.
        }
    }

    /// <summary><paramref name="existing"/> with msgcode's block current: replaced where its markers are, else added at the end.</summary>
    public static string Merge(string existing)
    {
        var block = string.Join('\n', [BeginMarker, .. Patterns, EndMarker]) + "\n";
        var lines = existing.Split('\n');
        var begin = Array.FindIndex(lines, l => l.TrimEnd('\r') == BeginMarker);
        var end = begin < 0 ? -1 : Array.FindIndex(lines, begin, l => l.TrimEnd('\r') == EndMarker);
        if (begin >= 0 && end > begin)
        {
            var before = string.Join('\n', lines[..begin]);
            var after = string.Join('\n', lines[(end + 1)..]);
            return (begin > 0 ? before + "\n" : string.Empty) + block + (after.Length > 0 ? after : string.Empty);
        }

        if (existing.Length == 0)
        {
            return block;
        }

        return existing + (existing.EndsWith('\n') ? string.Empty : "\n") + block;
    }
}
