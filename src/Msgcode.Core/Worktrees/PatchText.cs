using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// The text of patches and of what git says about them: the msgcode header a patch opens with, the kinds of change read
/// from a patch's extended headers, git's quoting of paths, its <c>--numstat</c>/<c>--name-status</c> output, the paths
/// in a failed <c>git apply</c>, and the <c>summary.md</c> written beside a patch.
/// </summary>
internal static partial class PatchText
{
    private const string HeaderMarker = "msgcode patch";

    /// <summary>
    /// The patch file's bytes: a short header (task, run, base commit, branch, counts) that <c>git apply</c> skips,
    /// then <paramref name="diff"/>, so the file says by itself what it applies to.
    /// </summary>
    public static byte[] WithHeader(string taskId, string runId, string baseCommit, string? branch, IReadOnlyList<PatchFileChange> files, byte[] diff)
    {
        var header = new StringBuilder()
            .Append(HeaderMarker).Append('\n')
            .Append("Task: ").Append(taskId).Append('\n')
            .Append("Run: ").Append(runId).Append('\n')
            .Append("Base: ").Append(baseCommit).Append('\n')
            .Append("Branch: ").Append(branch).Append('\n')
            .Append("Files: ").Append(files.Count).Append(", +").Append(files.Sum(f => f.Added ?? 0)).Append(" -").Append(files.Sum(f => f.Deleted ?? 0)).Append('\n')
            .Append('\n');
        var headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        var bytes = new byte[headerBytes.Length + diff.Length];
        headerBytes.CopyTo(bytes, 0);
        diff.CopyTo(bytes, headerBytes.Length);
        return bytes;
    }

    /// <summary>The values of a patch file's msgcode header (Task, Run, Base, ...), or none when it has no such header.</summary>
    public static Dictionary<string, string> ReadHeader(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = new StreamReader(path, Encoding.UTF8);
        if (reader.ReadLine() != HeaderMarker)
        {
            return values;
        }

        for (var line = reader.ReadLine(); !string.IsNullOrEmpty(line); line = reader.ReadLine())
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0)
            {
                values[line[..colon]] = line[(colon + 2)..];
            }
        }

        return values;
    }

    /// <summary>
    /// Whether a patch file holds no change at all: nothing but msgcode's header, as a worktree run that changed nothing
    /// leaves (<c>git apply</c> refuses such input as "No valid patches", which is not what a user needs to hear).
    /// </summary>
    public static bool IsEmpty(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var line = reader.ReadLine();
        if (line == HeaderMarker)
        {
            while (!string.IsNullOrEmpty(line = reader.ReadLine()))
            {
            }
        }

        for (; line is not null; line = reader.ReadLine())
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The kind of change (and the old path of a rename or copy) of each file of a patch, in the patch's order, read from its extended headers.</summary>
    public static List<(string Kind, string? OldPath)> ChangeKinds(string path)
    {
        var kinds = new List<(string Kind, string? OldPath)>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("diff --git ", StringComparison.Ordinal))
            {
                kinds.Add(("modified", null));
            }
            else if (kinds.Count > 0 && line.Length > 0 && line[0] is not ('+' or '-' or ' ' or '@'))
            {
                var (kind, old) = kinds[^1];
                if (line.StartsWith("new file mode", StringComparison.Ordinal))
                {
                    kind = "added";
                }
                else if (line.StartsWith("deleted file mode", StringComparison.Ordinal))
                {
                    kind = "deleted";
                }
                else if (line.StartsWith("rename from ", StringComparison.Ordinal))
                {
                    (kind, old) = ("renamed", Unquote(line["rename from ".Length..]));
                }
                else if (line.StartsWith("copy from ", StringComparison.Ordinal))
                {
                    (kind, old) = ("copied", Unquote(line["copy from ".Length..]));
                }

                kinds[^1] = (kind, old);
            }
        }

        return kinds;
    }

    /// <summary>A path as git writes it in a patch: plain, or C-quoted with octal escapes for bytes outside ASCII.</summary>
    public static string Unquote(string text)
    {
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"')
        {
            return text;
        }

        var bytes = new List<byte>();
        for (var i = 1; i < text.Length - 1; i++)
        {
            var c = text[i];
            if (c != '\\' || i + 1 >= text.Length - 1)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }

            var next = text[++i];
            if (next is >= '0' and <= '7' && i + 2 < text.Length - 1)
            {
                bytes.Add(Convert.ToByte(text.Substring(i, 3), 8));
                i += 2;
                continue;
            }

            bytes.Add(next switch { 'n' => (byte)'\n', 't' => (byte)'\t', 'r' => (byte)'\r', 'a' => 7, 'b' => 8, 'f' => 12, 'v' => 11, _ => (byte)next });
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Parses the output of <c>--numstat -z</c> (and, when given, of <c>--name-status -z</c>) into file changes.</summary>
    public static List<PatchFileChange> ParseStats(byte[] numstat, byte[]? nameStatus)
    {
        var tokens = Encoding.UTF8.GetString(numstat).Split('\0');
        var changes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (nameStatus is not null)
        {
            var names = Encoding.UTF8.GetString(nameStatus).Split('\0');
            for (var i = 0; i + 1 < names.Length;)
            {
                var status = names[i++];
                if (status.Length == 0)
                {
                    continue;
                }

                var path = names[i++];
                if (status[0] is 'R' or 'C' && i < names.Length)
                {
                    path = names[i++];
                }

                changes[path] = status[0] switch
                {
                    'A' => "added",
                    'D' => "deleted",
                    'R' => "renamed",
                    'C' => "copied",
                    'T' => "typeChanged",
                    _ => "modified",
                };
            }
        }

        var files = new List<PatchFileChange>();
        for (var i = 0; i < tokens.Length;)
        {
            var token = tokens[i++];
            if (token.Length == 0)
            {
                continue;
            }

            var parts = token.Split('\t', 3);
            if (parts.Length < 3)
            {
                continue;
            }

            string path;
            string? old = null;
            if (parts[2].Length == 0 && i + 1 < tokens.Length)
            {
                old = tokens[i++];
                path = tokens[i++];
            }
            else
            {
                path = parts[2];
            }

            var binary = parts[0] == "-";
            files.Add(new PatchFileChange
            {
                Path = path,
                OldPath = old,
                Change = changes.GetValueOrDefault(path) ?? (old is not null ? "renamed" : "modified"),
                Added = binary ? null : int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
                Deleted = binary ? null : int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
                Binary = binary,
            });
        }

        return files;
    }

    [GeneratedRegex(@"^error: (?:patch failed: (?<path>.+):\d+|(?<path>.+?): (?:patch does not apply|already exists in index|does not exist in index|does not match index|already exists in working directory|No such file or directory))$", RegexOptions.Multiline)]
    private static partial Regex ConflictLine();

    /// <summary>The paths named in the errors of a failed <c>git apply</c>.</summary>
    public static IEnumerable<string> ConflictPaths(string stderr)
        => ConflictLine().Matches(stderr).Select(m => m.Groups["path"].Value.Trim()).Distinct(StringComparer.Ordinal);

    /// <summary>The <c>summary.md</c> written beside a captured patch: what ran, on what base, the files changed, and the runner's own summary.</summary>
    public static string Summary(TaskDocument task, JsonObject record, string runId, string runnerKind, string runStatus, string? runnerSummary, int mainLocalChanges, string baseCommit, IReadOnlyList<PatchFileChange> files, string patch)
    {
        var text = new StringBuilder();
        text.Append("# ").Append(task.Title.Replace('\n', ' ')).Append("\n\n");
        text.Append("| | |\n|---|---|\n");
        text.Append("| task | `").Append(task.Id).Append("` |\n");
        text.Append("| run | `").Append(runId).Append("` (").Append(runStatus).Append(") |\n");
        text.Append("| runner | ").Append(runnerKind).Append(" |\n");
        text.Append("| base commit | `").Append(baseCommit).Append('`').Append(WorktreeManager.Str(record, "baseBranch") is { } b ? $" on {b}" : " (detached HEAD)").Append(" |\n");
        text.Append("| worktree | `").Append(WorktreeManager.Str(record, "path")).Append("` on branch `").Append(WorktreeManager.Str(record, "branch")).Append("` |\n");
        text.Append("| patch | `").Append(patch).Append("` |\n\n");
        if (mainLocalChanges > 0)
        {
            text.Append("> The main tree had uncommitted changes in ").Append(mainLocalChanges).Append(" file(s) when the worktree was made; they are not included: the worktree started from the base commit.\n\n");
        }

        text.Append("## Files changed\n\n");
        if (files.Count == 0)
        {
            text.Append("No file changed.\n\n");
        }
        else
        {
            text.Append("| change | file | + | - |\n|---|---|---:|---:|\n");
            foreach (var file in files)
            {
                var name = file.OldPath is null ? file.Path : $"{file.OldPath} → {file.Path}";
                text.Append("| ").Append(file.Change).Append(" | `").Append(name.Replace("|", "\\|")).Append("` | ")
                    .Append(file.Binary ? "binary" : file.Added?.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(" | ")
                    .Append(file.Binary ? "binary" : file.Deleted?.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(" |\n");
            }

            text.Append("\n**").Append(files.Count).Append(" file(s), +").Append(files.Sum(f => f.Added ?? 0)).Append(" -").Append(files.Sum(f => f.Deleted ?? 0)).Append("**\n\n");
        }

        text.Append("## Runner's summary\n\n").Append(string.IsNullOrWhiteSpace(runnerSummary) ? "(none)" : runnerSummary.Trim()).Append('\n');
        text.Append("\nCheck it against the main branch with `Test-MsgcodePatch ").Append(task.Id).Append(" -Detailed`; apply it with `Merge-MsgcodePatch ").Append(task.Id).Append("`.\n");
        return text.ToString();
    }
}
