using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Worktrees;

public sealed partial class WorktreeManager
{
    private const string HeaderMarker = "msgcode patch";

    /// <summary>
    /// Writes <c>patch.diff</c> (binary-safe, full object ids, renames detected; new, deleted, renamed and
    /// mode-changed files included; the runner's commits and its uncommitted changes alike) and <c>summary.md</c>
    /// into <paramref name="artifactDirectory"/>. The patch opens with a short header (task, run, base commit)
    /// that <c>git apply</c> skips, so the file says by itself what it applies to.
    /// </summary>
    public CapturedPatch Capture(TaskDocument task, JsonObject record, string runId, string runnerKind, string runStatus, string? runnerSummary, int mainLocalChanges, string artifactDirectory, CancellationToken cancellationToken = default)
    {
        var path = Path.GetFullPath(Path.Combine(Workspace, Str(record, "path") ?? Path.Combine("worktrees", task.Id)));
        if (!Directory.Exists(path) || !File.Exists(Path.Combine(path, ".git")))
        {
            throw new MsgcodeException(ErrorIds.WorktreeLost, MsgcodeErrorCategory.ObjectNotFound, path,
                $"The worktree '{path}' of task {task.Id} was deleted while the runner ran, so there is no patch. The main tree was not touched. " +
                $"Clear-MsgcodeWorktree -Workspace '{Workspace}' removes what is left of it; run the task again with -Worktree -Fresh.");
        }

        var baseCommit = Str(record, "baseCommit") ?? throw new MsgcodeException(ErrorIds.WorktreeNotFound, MsgcodeErrorCategory.ObjectNotFound, task.Id, $"Task {task.Id} records no base commit for its worktree.");
        var copied = (record["copiedFiles"] as JsonArray)?.Select(n => (string?)n).OfType<string>().ToList() ?? [];
        var tree = CurrentTree(path, copied, cancellationToken);
        var diff = GitCli.Require(path, ["diff", "--binary", "--full-index", "-M", "--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", "--no-relative", baseCommit, tree],
            target: path, cancellationToken: cancellationToken).StdOut;
        var files = Stats(path, ["diff", "--numstat", "-z", "-M", "--no-ext-diff", "--no-textconv", baseCommit, tree], ["diff", "--name-status", "-z", "-M", "--no-ext-diff", baseCommit, tree]);

        var header = new StringBuilder()
            .Append(HeaderMarker).Append('\n')
            .Append("Task: ").Append(task.Id).Append('\n')
            .Append("Run: ").Append(runId).Append('\n')
            .Append("Base: ").Append(baseCommit).Append('\n')
            .Append("Branch: ").Append(Str(record, "branch")).Append('\n')
            .Append("Files: ").Append(files.Count).Append(", +").Append(files.Sum(f => f.Added ?? 0)).Append(" -").Append(files.Sum(f => f.Deleted ?? 0)).Append('\n')
            .Append('\n');
        var headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        var bytes = new byte[headerBytes.Length + diff.Length];
        headerBytes.CopyTo(bytes, 0);
        diff.CopyTo(bytes, headerBytes.Length);

        Directory.CreateDirectory(artifactDirectory);
        var patchPath = Path.Combine(artifactDirectory, "patch.diff");
        var summaryPath = Path.Combine(artifactDirectory, "summary.md");
        AtomicFile.WriteAllBytes(patchPath, bytes);
        AtomicFile.WriteAllText(summaryPath, Summary(task, record, runId, runnerKind, runStatus, runnerSummary, mainLocalChanges, baseCommit, files, Relative(patchPath)));
        return new CapturedPatch(patchPath, summaryPath, tree, baseCommit, files);
    }

    /// <summary>The newest patch of a task (or the one named), with its files and counts.</summary>
    public PatchInfo GetPatch(string taskIdOrPrefix, string? patchPath = null, bool includeContent = false)
    {
        var (id, path) = FindPatch(taskIdOrPrefix, patchPath);
        var header = ReadHeader(path);
        var files = Stats(Workspace, ["apply", "--numstat", "-z", path], null);
        var kinds = ChangeKinds(path);
        if (kinds.Count == files.Count)
        {
            files = files.Select((f, i) => new PatchFileChange { Path = f.Path, OldPath = f.OldPath ?? kinds[i].OldPath, Change = kinds[i].Kind, Added = f.Added, Deleted = f.Deleted, Binary = f.Binary }).ToList();
        }

        var summary = Path.Combine(Path.GetDirectoryName(path)!, "summary.md");
        return new PatchInfo
        {
            TaskId = id,
            RunId = header.GetValueOrDefault("Run"),
            Path = path,
            SummaryPath = File.Exists(summary) ? summary : null,
            BaseCommit = header.GetValueOrDefault("Base"),
            Files = [.. files],
            Length = new FileInfo(path).Length,
            Content = includeContent ? File.ReadAllText(path) : null,
            Workspace = Workspace,
        };
    }

    /// <summary>
    /// Checks the patch's hunks against the main tree's HEAD (never its working tree) through a throwaway index, and reports
    /// drift and the local work it would meet in the working tree: uncommitted changes, and untracked or ignored files in its way.
    /// </summary>
    public PatchCheck Check(string taskIdOrPrefix, string? patchPath = null, CancellationToken cancellationToken = default)
    {
        var facts = Inspect();
        var patch = GetPatch(taskIdOrPrefix, patchPath);
        return Check(facts, patch, cancellationToken);
    }

    private PatchCheck Check(RepositoryFacts facts, PatchInfo patch, CancellationToken cancellationToken)
    {
        var conflicts = new List<string>();
        var applies = true;
        if (patch.FilesChanged > 0)
        {
            var index = TempIndexFromHead(facts, cancellationToken);
            try
            {
                var result = GitCli.Run(facts.Root, ["apply", "--cached", "--check", "--whitespace=nowarn", patch.Path], new Dictionary<string, string?> { ["GIT_INDEX_FILE"] = index }, cancellationToken);
                applies = result.Succeeded;
                if (!applies)
                {
                    conflicts.AddRange(ConflictPaths(result.StdErr));
                    if (conflicts.Count == 0)
                    {
                        conflicts.Add(result.StdErr.Trim());
                    }
                }
            }
            finally
            {
                TryDelete(index);
            }
        }

        var touched = new HashSet<string>(patch.Files.SelectMany(f => f.OldPath is null ? [f.Path] : new[] { f.Path, f.OldPath }), StringComparer.Ordinal);
        var untracked = UntrackedInTheWay(facts.Root, facts.Head, touched);
        var local = LocalChanges(facts.Root).Where(touched.Contains).Concat(untracked).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var drift = patch.BaseCommit is not null && patch.BaseCommit != facts.Head;
        int? since = null;
        if (patch.BaseCommit is not null && GitCli.Run(facts.Root, ["merge-base", "--is-ancestor", patch.BaseCommit, facts.Head]).Succeeded)
        {
            since = int.TryParse(GitCli.Run(facts.Root, ["rev-list", "--count", patch.BaseCommit + ".." + facts.Head]).Text.Trim(), out var n) ? n : null;
        }

        var message = patch.FilesChanged == 0
            ? "The patch changes nothing."
            : !applies
                ? $"The patch does not apply to {Short(facts.Head)}: {string.Join(", ", conflicts.Take(5))}{(drift ? $" (the main branch moved {since?.ToString() ?? "away"} commit(s) since the base)" : string.Empty)}."
                : local.Length > 0
                    ? $"The patch applies to {Short(facts.Head)}, but merging it is refused: {LocalChangesMessage(local, untracked)}"
                    : drift
                        ? $"The patch applies cleanly to {Short(facts.Head)}, although the main branch moved {since?.ToString() ?? "away"} commit(s) since the base."
                        : $"The patch applies cleanly to {Short(facts.Head)} (its base).";
        return new PatchCheck
        {
            TaskId = patch.TaskId,
            PatchPath = patch.Path,
            BaseCommit = patch.BaseCommit,
            TargetCommit = facts.Head,
            TargetBranch = facts.Branch,
            BaseDrift = drift,
            CommitsSinceBase = since,
            AppliesCleanly = applies,
            Conflicts = [.. conflicts],
            LocalChangesTouched = local,
            UntrackedFilesTouched = untracked,
            FilesChanged = patch.FilesChanged,
            Message = message,
            Workspace = Workspace,
        };
    }

    /// <summary>
    /// Applies a patch to the main tree: to its working tree (left uncommitted for review) or as a commit on the
    /// checked-out branch. Refuses, before it writes anything, when it does not apply to HEAD, or when it would write a file
    /// with uncommitted changes or one that exists in the main working tree untracked at HEAD (untracked or ignored).
    /// </summary>
    public PatchApplyResult Apply(string taskIdOrPrefix, bool commit, string? message = null, string? patchPath = null, CancellationToken cancellationToken = default)
    {
        var facts = Inspect();
        var patch = GetPatch(taskIdOrPrefix, patchPath);
        var check = Check(facts, patch, cancellationToken);
        if (!check.AppliesCleanly)
        {
            throw new MsgcodeException(ErrorIds.PatchConflict, MsgcodeErrorCategory.InvalidOperation, patch.Path,
                check.Message + " Nothing was changed. Run the task again with -Worktree -Fresh to redo it on the current HEAD.");
        }

        if (check.LocalChangesTouched.Length > 0)
        {
            throw new MsgcodeException(ErrorIds.PatchTouchesLocalChanges, MsgcodeErrorCategory.InvalidOperation, patch.Path,
                $"The patch was not applied, and nothing was changed: {LocalChangesMessage(check.LocalChangesTouched, check.UntrackedFilesTouched)} Then apply it again.");
        }

        if (commit && facts.Branch is null)
        {
            throw new MsgcodeException(ErrorIds.WorktreeHeadDetached, MsgcodeErrorCategory.InvalidOperation, facts.Root,
                "The main tree is on a detached HEAD, so there is no branch to commit to. Nothing was changed. Check out a branch (git switch <branch>), or apply to the working tree without -Commit.");
        }

        if (patch.FilesChanged == 0)
        {
            return new PatchApplyResult { TaskId = patch.TaskId, PatchPath = patch.Path, Mode = commit ? "commit" : "workingTree", Branch = facts.Branch, FilesChanged = 0, Workspace = Workspace };
        }

        if (!commit)
        {
            GitCli.Require(facts.Root, ["apply", "--whitespace=nowarn", patch.Path], target: patch.Path, cancellationToken: cancellationToken);
            return new PatchApplyResult { TaskId = patch.TaskId, PatchPath = patch.Path, Mode = "workingTree", Branch = facts.Branch, FilesChanged = patch.FilesChanged, Workspace = Workspace };
        }

        var title = message;
        if (string.IsNullOrWhiteSpace(title))
        {
            string? taskTitle = null;
            try
            {
                taskTitle = Store.Get(patch.TaskId).Title;
            }
            catch (MsgcodeException)
            {
            }

            title = $"{taskTitle ?? patch.TaskId}\n\nApplied by msgcode from task {patch.TaskId}{(patch.RunId is null ? string.Empty : $", run {patch.RunId}")}.";
        }

        var index = TempIndexFromHead(facts, cancellationToken);
        string newCommit;
        try
        {
            var environment = new Dictionary<string, string?> { ["GIT_INDEX_FILE"] = index };
            GitCli.Require(facts.Root, ["apply", "--cached", "--whitespace=nowarn", patch.Path], environment, patch.Path, cancellationToken);
            var tree = GitCli.Require(facts.Root, ["write-tree"], environment, facts.Root, cancellationToken).Text.Trim();
            var made = GitCli.Run(facts.Root, ["commit-tree", tree, "-p", facts.Head, "-m", title!], cancellationToken: cancellationToken);
            if (!made.Succeeded)
            {
                throw new MsgcodeException(ErrorIds.GitCommandFailed, MsgcodeErrorCategory.InvalidOperation, facts.Root,
                    $"git could not make the commit: {made.StdErr.Trim()} Nothing was changed. If git asks who you are: git config --global user.name \"Your Name\"; git config --global user.email you@example.com.");
            }

            newCommit = made.Text.Trim();
        }
        finally
        {
            TryDelete(index);
        }

        // Bring the main index and working tree from HEAD to the new commit (files with local changes, and untracked or
        // ignored files in the patch's way, were refused above, so nothing of the user's is overwritten), then move the branch.
        GitCli.Require(facts.Root, ["read-tree", "-m", "-u", facts.Head, newCommit], target: facts.Root, cancellationToken: cancellationToken);
        GitCli.Require(facts.Root, ["update-ref", "-m", $"msgcode: apply the patch of {patch.TaskId}", "HEAD", newCommit, facts.Head], target: facts.Root, cancellationToken: cancellationToken);
        return new PatchApplyResult { TaskId = patch.TaskId, PatchPath = patch.Path, Mode = "commit", Commit = newCommit, Branch = facts.Branch, FilesChanged = patch.FilesChanged, Workspace = Workspace };
    }

    private (string Id, string Path) FindPatch(string taskIdOrPrefix, string? patchPath)
    {
        var id = Store.Resolve(taskIdOrPrefix);
        if (patchPath is not null)
        {
            var full = Path.GetFullPath(Path.Combine(Workspace, patchPath));
            return File.Exists(full) ? (id, full) : throw PatchMissing(id, full);
        }

        var document = Store.ReadDocument(id);
        var newest = document.Patches.Where(p => p.EndsWith(".diff", StringComparison.Ordinal)).LastOrDefault()
            ?? throw new MsgcodeException(ErrorIds.PatchNotFound, MsgcodeErrorCategory.ObjectNotFound, id,
                $"Task {id} has no patch yet. Run it in a worktree first: Invoke-MsgcodeTask {id} -Worktree.");
        var path = Path.GetFullPath(Path.Combine(Workspace, newest));
        return File.Exists(path) ? (id, path) : throw PatchMissing(id, path);
    }

    private static MsgcodeException PatchMissing(string id, string path)
        => new(ErrorIds.PatchNotFound, MsgcodeErrorCategory.ObjectNotFound, path, $"The patch '{path}' of task {id} does not exist (deleted?). Run the task again with -Worktree to make a new one.");

    /// <summary>The kind of change (and the old path of a rename or copy) of each file of a patch, in the patch's order, read from its extended headers.</summary>
    private static List<(string Kind, string? OldPath)> ChangeKinds(string path)
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
    internal static string Unquote(string text)
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

    private static Dictionary<string, string> ReadHeader(string path)
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

    /// <summary>Parses <c>--numstat -z</c> (and, when given, <c>--name-status -z</c>) into file changes.</summary>
    private static List<PatchFileChange> Stats(string directory, string[] numstat, string[]? nameStatus)
    {
        var fields = GitCli.Require(directory, numstat).StdOut;
        var tokens = Encoding.UTF8.GetString(fields).Split('\0');
        var changes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (nameStatus is not null)
        {
            var names = Encoding.UTF8.GetString(GitCli.Require(directory, nameStatus).StdOut).Split('\0');
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

    /// <summary>Paths with uncommitted changes in the main tree, untracked files included.</summary>
    private static IEnumerable<string> LocalChanges(string repository)
    {
        var tokens = GitCli.SplitZ(GitCli.Require(repository, ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules"]).StdOut);
        for (var i = 0; i < tokens.Length; i++)
        {
            var entry = tokens[i];
            if (entry.Length < 4)
            {
                continue;
            }

            yield return entry[3..];
            if (entry[0] is 'R' or 'C' && i + 1 < tokens.Length)
            {
                yield return tokens[++i];
            }
        }
    }

    /// <summary>What is in the way of a merge, and what to do about it (the same words for Test-MsgcodePatch and Merge-MsgcodePatch).</summary>
    private static string LocalChangesMessage(IReadOnlyCollection<string> local, IReadOnlyCollection<string> untracked)
    {
        var changed = local.Except(untracked, StringComparer.Ordinal).ToArray();
        var text = new StringBuilder();
        if (changed.Length > 0)
        {
            text.Append("it would change files with uncommitted changes in the main tree (").Append(string.Join(", ", changed.Take(5))).Append("); commit or stash them (git stash) first.");
        }

        if (untracked.Count > 0)
        {
            text.Append(changed.Length > 0 ? " It also" : "it")
                .Append(" would write over files in the main tree that git does not track (untracked or ignored: ").Append(string.Join(", ", untracked.Take(5)))
                .Append("); move them out of the way first (git stash leaves ignored files where they are).");
        }

        return text.ToString();
    }

    /// <summary>
    /// The paths a patch writes that exist in the main working tree although <paramref name="commit"/> does not track them:
    /// untracked files and ignored ones (git status lists no ignored file, and checking out the merged commit would write
    /// over them), a file or symbolic link where the patch needs a folder (it would be replaced, or written through), and a
    /// folder holding such files where the patch puts a file. Paths tracked at the commit are left to git status: their
    /// uncommitted changes are local changes. On a file system that ignores case, a path is found under any spelling.
    /// </summary>
    internal static string[] UntrackedInTheWay(string root, string commit, IEnumerable<string> paths)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        LibGit2Sharp.Repository? repository = null;
        LibGit2Sharp.Commit? tip = null;
        try
        {
            foreach (var path in paths.Distinct(StringComparer.Ordinal))
            {
                var parts = path.Split('/');
                for (var depth = 1; depth <= parts.Length; depth++)
                {
                    var relative = string.Join('/', parts, 0, depth);
                    var kind = KindOnDisk(Path.Combine(root, relative));
                    var last = depth == parts.Length;
                    if (kind == DiskKind.None)
                    {
                        break; // nothing there (nor under it): nothing to write over
                    }

                    if (!last && kind == DiskKind.Directory)
                    {
                        continue; // a folder on the way down: look further
                    }

                    // Something exists here: open the repository once, only when it is needed.
                    repository ??= new LibGit2Sharp.Repository(root);
                    tip ??= repository.Lookup(commit) as LibGit2Sharp.Commit ?? throw new MsgcodeException(ErrorIds.GitCommandFailed, MsgcodeErrorCategory.InvalidOperation, root,
                        $"The commit {commit} the patch applies to is not in the repository '{root}'.");
                    if (!Tracked(tip, root, relative) || (last && kind == DiskKind.Directory && HoldsUntracked(tip, root, relative)))
                    {
                        found.Add(relative);
                    }

                    break;
                }
            }
        }
        finally
        {
            repository?.Dispose();
        }

        return [.. found];
    }

    private enum DiskKind
    {
        None,
        File,
        Directory,
        Link,
    }

    /// <summary>What a path is on disk, without following a symbolic link (a dangling one exists too).</summary>
    private static DiskKind KindOnDisk(string full)
        => new FileInfo(full).LinkTarget is not null ? DiskKind.Link
            : Directory.Exists(full) ? DiskKind.Directory
            : File.Exists(full) ? DiskKind.File
            : DiskKind.None;

    /// <summary>The commit holds the path, spelled as given or as the file system spells it (a file system that ignores case finds Readme.md for README.md).</summary>
    private static bool Tracked(LibGit2Sharp.Commit commit, string root, string relative)
    {
        if (commit[relative] is not null)
        {
            return true;
        }

        var spelled = Spelling(root, relative);
        return spelled != relative && commit[spelled] is not null;
    }

    /// <summary>A folder that holds a file or symbolic link (at any depth) that the commit does not track, or that cannot be read through.</summary>
    private static bool HoldsUntracked(LibGit2Sharp.Commit commit, string root, string relative)
    {
        var folders = new Stack<string>([relative]);
        try
        {
            while (folders.TryPop(out var folder))
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(Path.Combine(root, folder)))
                {
                    var child = folder + "/" + Path.GetFileName(entry);
                    if (KindOnDisk(entry) == DiskKind.Directory)
                    {
                        folders.Push(child);
                    }
                    else if (!Tracked(commit, root, child))
                    {
                        return true;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true; // what cannot be read might be the user's: in the way
        }

        return false;
    }

    /// <summary>A relative path as the file system spells it, name by name (the same path on a case-sensitive file system).</summary>
    private static string Spelling(string root, string relative)
    {
        var current = root;
        var spelled = new List<string>();
        foreach (var name in relative.Split('/'))
        {
            var actual = name;
            try
            {
                if (Directory.Exists(current))
                {
                    string? variant = null;
                    foreach (var entry in Directory.EnumerateFileSystemEntries(current))
                    {
                        var found = Path.GetFileName(entry);
                        if (found == name)
                        {
                            variant = null;
                            break;
                        }

                        variant ??= string.Equals(found, name, StringComparison.OrdinalIgnoreCase) ? found : null;
                    }

                    actual = variant ?? name;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Unreadable: keep the name as given (the path then counts as untracked, so as in the way).
            }

            spelled.Add(actual);
            current = Path.Combine(current, actual);
        }

        return string.Join('/', spelled);
    }

    [GeneratedRegex(@"^error: (?:patch failed: (?<path>.+):\d+|(?<path>.+?): (?:patch does not apply|already exists in index|does not exist in index|does not match index|already exists in working directory|No such file or directory))$", RegexOptions.Multiline)]
    private static partial Regex ConflictLine();

    private static IEnumerable<string> ConflictPaths(string stderr)
        => ConflictLine().Matches(stderr).Select(m => m.Groups["path"].Value.Trim()).Distinct(StringComparer.Ordinal);

    private static string TempIndexFromHead(RepositoryFacts facts, CancellationToken cancellationToken)
    {
        var index = Path.Combine(facts.GitDirectory, $"msgcode-index-{Guid.NewGuid():N}");
        GitCli.Require(facts.Root, ["read-tree", facts.Head], new Dictionary<string, string?> { ["GIT_INDEX_FILE"] = index }, facts.Root, cancellationToken);
        return index;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private string Relative(string path) => Path.GetRelativePath(Workspace, path).Replace('\\', '/');

    private static string Summary(TaskDocument task, JsonObject record, string runId, string runnerKind, string runStatus, string? runnerSummary, int mainLocalChanges, string baseCommit, IReadOnlyList<PatchFileChange> files, string patch)
    {
        var text = new StringBuilder();
        text.Append("# ").Append(task.Title.Replace('\n', ' ')).Append("\n\n");
        text.Append("| | |\n|---|---|\n");
        text.Append("| task | `").Append(task.Id).Append("` |\n");
        text.Append("| run | `").Append(runId).Append("` (").Append(runStatus).Append(") |\n");
        text.Append("| runner | ").Append(runnerKind).Append(" |\n");
        text.Append("| base commit | `").Append(baseCommit).Append('`').Append(Str(record, "baseBranch") is { } b ? $" on {b}" : " (detached HEAD)").Append(" |\n");
        text.Append("| worktree | `").Append(Str(record, "path")).Append("` on branch `").Append(Str(record, "branch")).Append("` |\n");
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
