using System.IO.Enumeration;
using System.Text.Json.Nodes;
using LibGit2Sharp;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// Task worktrees of one workspace (ARCHITECTURE §6): <c>&lt;ws&gt;/worktrees/&lt;taskId&gt;</c> on branch
/// <c>msgcode/&lt;taskId&gt;</c>, started from the main tree's HEAD (the base), kept out of the main tree's
/// status through the repository's own <c>info/exclude</c> (no tracked file is edited). The task file records
/// the base, the branch and the last captured tree, so "does it hold work no patch has captured?" has an
/// exact answer. LibGit2Sharp reads the repository; the git command line does what LibGit2Sharp cannot (see <see cref="GitCli"/>).
/// </summary>
public sealed partial class WorktreeManager
{
    public const string BranchPrefix = "msgcode/";

    public WorktreeManager(TaskStore store, WorktreeSettings? settings = null)
    {
        Store = store;
        Settings = settings ?? new WorktreeSettings();
    }

    public TaskStore Store { get; }

    public WorktreeSettings Settings { get; }

    public string Workspace => Store.Workspace;

    public string WorktreesDirectory => Path.Combine(Workspace, "worktrees");

    public string RepositoryPath => Path.GetFullPath(Path.Combine(Workspace, Settings.RepositoryPath));

    public static string BranchFor(string taskId) => BranchPrefix + taskId;

    public string PathFor(string taskId) => Path.Combine(WorktreesDirectory, taskId);

    /// <summary>
    /// The repository, checked for what worktree isolation needs: it exists at the configured path (not merely
    /// somewhere above it), has a commit, and has no submodules (their content would be missing from a worktree).
    /// </summary>
    public RepositoryFacts Inspect(bool countLocalChanges = false)
    {
        var root = RepositoryPath;
        string? gitDir = Directory.Exists(root) ? Repository.Discover(root) : null;
        if (gitDir is null)
        {
            throw NotARepository(root);
        }

        using var repository = new Repository(gitDir);
        var top = repository.Info.WorkingDirectory;
        if (repository.Info.IsBare || top is null || !SamePath(top, root))
        {
            throw NotARepository(root);
        }

        var tip = repository.Head.Tip;
        if (tip is null)
        {
            throw new MsgcodeException(ErrorIds.WorktreeRepositoryEmpty, MsgcodeErrorCategory.InvalidOperation, root,
                $"The repository '{root}' has no commit yet, so a worktree has nothing to start from. Make a first commit (git commit --allow-empty -m init) and run again.");
        }

        if (repository.Submodules.Any() || File.Exists(Path.Combine(root, ".gitmodules")))
        {
            throw new MsgcodeException(ErrorIds.WorktreeSubmoduleUnsupported, MsgcodeErrorCategory.NotImplemented, root,
                $"The repository '{root}' has submodules, which task worktrees do not support yet (a worktree would miss their content). Run the task without -Worktree.");
        }

        var local = 0;
        if (countLocalChanges)
        {
            local = repository.RetrieveStatus(new StatusOptions { IncludeUntracked = false, RecurseUntrackedDirs = false, ExcludeSubmodules = true, IncludeIgnored = false })
                .Count(e => e.State != FileStatus.Unaltered && e.State != FileStatus.Ignored);
        }

        return new RepositoryFacts(Trim(top), Trim(repository.Info.Path), tip.Sha, repository.Info.IsHeadDetached ? null : repository.Head.FriendlyName, local);
    }

    /// <summary>The worktree record of a task (the "worktree" object of its JSON), or null.</summary>
    public static JsonObject? RecordOf(TaskDocument task) => task.Root["worktree"] as JsonObject;

    internal static string? Str(JsonObject? record, string name) => record?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>
    /// Creates the task's worktree, or returns the existing one when it is still on the current HEAD. A worktree on
    /// an older base is never reused silently: <paramref name="fresh"/> recreates it (refusing if it holds uncaptured work).
    /// Returns the record to store in the task.
    /// </summary>
    public JsonObject Prepare(TaskDocument task, bool fresh, out IReadOnlyList<string> copied, out RepositoryFacts facts, CancellationToken cancellationToken = default)
    {
        facts = Inspect(countLocalChanges: true);
        var id = task.Id;
        var path = PathFor(id);
        var branch = BranchFor(id);
        var record = RecordOf(task);
        copied = [];
        var plan = Plan(task, fresh, facts);
        if (plan == PreparePlan.Reuse)
        {
            return record!;
        }

        if (plan == PreparePlan.Recreate)
        {
            Remove(id, force: false, forItsOwnRun: true, cancellationToken);
        }

        if (RegisteredWorktrees(facts.Root).Any(w => w.Branch == branch || SamePath(w.Path, path)))
        {
            GitCli.Require(facts.Root, ["worktree", "prune"], cancellationToken: cancellationToken);
        }

        if (BranchExists(facts.Root, branch))
        {
            GitCli.Require(facts.Root, ["branch", "-D", "--", branch], target: branch, cancellationToken: cancellationToken);
        }

        ExcludeWorktreesFolder(facts);
        Directory.CreateDirectory(WorktreesDirectory);
        var add = GitCli.Run(facts.Root, ["worktree", "add", "--quiet", "--no-track", "-b", branch, path, facts.Head], cancellationToken: cancellationToken);
        if (!add.Succeeded)
        {
            // Leave nothing half-made behind: a failed add may have left a folder, a record or the branch.
            TryDeleteDirectory(path);
            GitCli.Run(facts.Root, ["worktree", "prune"]);
            if (BranchExists(facts.Root, branch))
            {
                GitCli.Run(facts.Root, ["branch", "-D", "--", branch]);
            }

            throw new MsgcodeException(ErrorIds.GitCommandFailed, MsgcodeErrorCategory.InvalidOperation, path,
                $"git could not create the worktree '{path}': {add.StdErr.Trim()}");
        }

        copied = CopyUntrackedFiles(facts.Root, path);
        return new JsonObject
        {
            ["path"] = Path.GetRelativePath(Workspace, path).Replace('\\', '/'),
            ["branch"] = branch,
            ["baseCommit"] = facts.Head,
            ["baseBranch"] = facts.Branch,
            ["repository"] = Path.GetRelativePath(Workspace, facts.Root).Replace('\\', '/'),
            ["createdAtMs"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["copiedFiles"] = new JsonArray(copied.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
        };
    }

    internal enum PreparePlan
    {
        Create,
        Reuse,
        Recreate,
    }

    /// <summary>Decides what preparing a task's worktree will do, and throws when it must not (changes nothing).</summary>
    internal PreparePlan Plan(TaskDocument task, bool fresh, RepositoryFacts facts)
    {
        var id = task.Id;
        var path = PathFor(id);
        var branch = BranchFor(id);
        var record = RecordOf(task);
        var registered = RegisteredWorktrees(facts.Root).FirstOrDefault(w => w.Branch == branch || SamePath(w.Path, path));
        if (Directory.Exists(path) || File.Exists(path))
        {
            if (registered is null || registered.Prunable || !File.Exists(Path.Combine(path, ".git")))
            {
                throw new MsgcodeException(ErrorIds.WorktreePathOccupied, MsgcodeErrorCategory.ResourceExists, path,
                    $"'{path}' exists but is not the worktree of task {id}. Nothing was changed. Move it away, or let Clear-MsgcodeWorktree -Workspace '{Workspace}' remove it if it is an empty leftover.");
            }

            if (!fresh)
            {
                var recordedBase = Str(record, "baseCommit");
                if (recordedBase is not null && recordedBase != facts.Head)
                {
                    throw new MsgcodeException(ErrorIds.WorktreeBaseStale, MsgcodeErrorCategory.InvalidOperation, id,
                        $"The worktree of task {id} starts from {Short(recordedBase)}, but the main tree is now at {Short(facts.Head)}. It is not reused on a stale base: " +
                        "run with -Fresh to start over from the current HEAD (its last patch stays in the task's outputs), or apply the last patch first with Merge-MsgcodePatch.");
                }

                if (record is not null)
                {
                    return PreparePlan.Reuse;
                }
            }

            var info = Describe(facts, id, task, [registered], inspectContent: true);
            if (info.HasUncapturedChanges == true)
            {
                throw new MsgcodeException(ErrorIds.WorktreeHasUncapturedChanges, MsgcodeErrorCategory.InvalidOperation, path,
                    $"The worktree of task {id} holds changes that no patch has captured, so it is not replaced. Run the task again without -Fresh to capture them, " +
                    $"or remove the worktree first with Remove-MsgcodeWorktree {id} -Force.");
            }

            return PreparePlan.Recreate;
        }

        if (BranchExists(facts.Root, branch) && !fresh && !BranchIsBare(facts.Root, branch, Str(record, "baseCommit") ?? facts.Head))
        {
            throw new MsgcodeException(ErrorIds.WorktreeBranchExists, MsgcodeErrorCategory.ResourceExists, branch,
                $"The branch {branch} already exists with commits of its own, but no worktree holds it. Nothing was changed. Run with -Fresh to replace it, or delete it (git branch -D {branch}).");
        }

        return PreparePlan.Create;
    }

    /// <summary>Every worktree of the workspace: those its tasks record, those git lists on msgcode branches, and any folder under worktrees/.</summary>
    public IReadOnlyList<WorktreeInfo> List(string? taskId = null, bool inspectContent = true, Action<MsgcodeProblem>? onProblem = null)
    {
        var facts = Inspect();
        var registered = RegisteredWorktrees(facts.Root)
            .Where(w => (w.Branch?.StartsWith(BranchPrefix, StringComparison.Ordinal) ?? false) || IsUnder(w.Path, WorktreesDirectory))
            .ToList();
        var tasks = new Dictionary<string, TaskDocument>(StringComparer.Ordinal);
        foreach (var info in Store.List(onProblem))
        {
            if (taskId is not null && info.Id != taskId)
            {
                continue;
            }

            if (info.Document is { } document && RecordOf(document) is not null)
            {
                tasks[info.Id] = document;
            }
        }

        var ids = new SortedSet<string>(tasks.Keys, StringComparer.Ordinal);
        foreach (var worktree in registered)
        {
            ids.Add(worktree.Branch?.StartsWith(BranchPrefix, StringComparison.Ordinal) == true ? worktree.Branch[BranchPrefix.Length..] : Path.GetFileName(worktree.Path));
        }

        if (Directory.Exists(WorktreesDirectory))
        {
            foreach (var folder in Directory.EnumerateFileSystemEntries(WorktreesDirectory))
            {
                ids.Add(Path.GetFileName(folder));
            }
        }

        var result = new List<WorktreeInfo>();
        foreach (var id in ids)
        {
            if (taskId is not null && id != taskId)
            {
                continue;
            }

            var document = tasks.GetValueOrDefault(id);
            if (document is null && TaskId.IsValid(id))
            {
                try
                {
                    document = Store.ReadDocument(id);
                }
                catch (MsgcodeException)
                {
                }
            }

            result.Add(Describe(facts, id, document, registered, inspectContent));
        }

        return result;
    }

    /// <summary>Removes a task's worktree folder, its branch and git's record of it. Refuses uncaptured work unless <paramref name="force"/>.</summary>
    public WorktreeInfo Remove(string taskId, bool force, CancellationToken cancellationToken = default) => Remove(taskId, force, forItsOwnRun: false, cancellationToken);

    private WorktreeInfo Remove(string taskId, bool force, bool forItsOwnRun, CancellationToken cancellationToken)
    {
        var facts = Inspect();
        if (!forItsOwnRun && TaskId.IsValid(taskId) && File.Exists(Store.JsonPath(taskId)) && Store.ReadDocument(taskId) is { Status: TaskStatuses.Running } running && TaskExecution.IsLive(running.CurrentRun))
        {
            throw new MsgcodeException(ErrorIds.TaskAlreadyRunning, MsgcodeErrorCategory.ResourceUnavailable, taskId,
                $"Task {taskId} is running in its worktree now; it is not removed under the runner. Wait for the run to end (or stop it), then remove it.");
        }

        var info = List(taskId).FirstOrDefault() ?? throw new MsgcodeException(ErrorIds.WorktreeNotFound, MsgcodeErrorCategory.ObjectNotFound, taskId,
            $"Task {taskId} has no worktree in '{Workspace}'. Get-MsgcodeWorktree lists the ones there are.");

        if (!force && info.HasUncapturedChanges == true)
        {
            throw new MsgcodeException(ErrorIds.WorktreeHasUncapturedChanges, MsgcodeErrorCategory.InvalidOperation, info.Path,
                $"The worktree of task {taskId} holds changes that no patch has captured (made after its last run). Nothing was removed. " +
                $"Run the task again to capture them, or remove it anyway with Remove-MsgcodeWorktree {taskId} -Force.");
        }

        if (info.State == WorktreeStates.NotAWorktree)
        {
            if (!force)
            {
                throw new MsgcodeException(ErrorIds.WorktreePathOccupied, MsgcodeErrorCategory.ResourceExists, info.Path,
                    $"'{info.Path}' is not a git worktree, so msgcode did not make it; it was left alone. Remove it by hand, or with -Force.");
            }

            TryDeleteDirectory(info.Path);
        }
        else if (Directory.Exists(info.Path))
        {
            var removed = GitCli.Run(facts.Root, ["worktree", "remove", "--force", "--force", info.Path], cancellationToken: cancellationToken);
            if (!removed.Succeeded && Directory.Exists(info.Path))
            {
                throw new MsgcodeException(ErrorIds.GitCommandFailed, MsgcodeErrorCategory.InvalidOperation, info.Path,
                    $"git could not remove the worktree '{info.Path}': {removed.StdErr.Trim()}");
            }
        }

        GitCli.Require(facts.Root, ["worktree", "prune"], cancellationToken: cancellationToken);
        var branch = info.Branch ?? BranchFor(taskId);
        if (BranchExists(facts.Root, branch))
        {
            GitCli.Require(facts.Root, ["branch", "-D", "--", branch], target: branch, cancellationToken: cancellationToken);
        }

        if (TaskId.IsValid(taskId) && File.Exists(Store.JsonPath(taskId)))
        {
            Store.Update(taskId, d => d.Root.Remove("worktree"));
        }

        return info;
    }

    private WorktreeInfo Describe(RepositoryFacts facts, string id, TaskDocument? task, List<RegisteredWorktree> registered, bool inspectContent)
    {
        var record = task is null ? null : RecordOf(task);
        var path = Str(record, "path") is { } relative ? Path.GetFullPath(Path.Combine(Workspace, relative)) : PathFor(id);
        var branch = Str(record, "branch") ?? BranchFor(id);
        var entry = registered.FirstOrDefault(w => w.Branch == branch || SamePath(w.Path, path));
        var exists = Directory.Exists(path);
        string state;
        if (entry is null)
        {
            state = exists ? WorktreeStates.NotAWorktree : WorktreeStates.Missing;
        }
        else if (!exists || entry.Prunable)
        {
            state = exists ? WorktreeStates.NotAWorktree : WorktreeStates.Prunable;
        }
        else
        {
            state = task is null || record is null ? WorktreeStates.Orphaned : WorktreeStates.Active;
        }

        bool? dirty = null, uncaptured = null;
        if (inspectContent && state is WorktreeStates.Active or WorktreeStates.Orphaned)
        {
            var copied = (record?["copiedFiles"] as JsonArray)?.Select(n => (string?)n).OfType<string>().ToList() ?? [];
            var tree = CurrentTree(path, copied);
            var baseCommit = Str(record, "baseCommit");
            var baseTree = baseCommit is null ? null : TreeOf(facts.Root, baseCommit);
            dirty = baseTree is null ? null : tree != baseTree;
            if (Str(record, "capturedTree") is { } captured)
            {
                uncaptured = tree != captured;
            }
            else if (baseTree is not null)
            {
                uncaptured = tree != baseTree;
            }
            else
            {
                // No task behind it: it holds work unless its content is its HEAD and that HEAD is already on the main branch.
                var headTree = entry?.Head is null ? null : TreeOf(facts.Root, entry.Head);
                var merged = entry?.Head is not null && GitCli.Run(facts.Root, ["merge-base", "--is-ancestor", entry.Head, facts.Head]).Succeeded;
                uncaptured = tree != headTree || !merged;
                dirty = uncaptured;
            }
        }

        return new WorktreeInfo
        {
            TaskId = id,
            Title = task?.Title,
            State = state,
            Path = path,
            Branch = entry?.Branch ?? (BranchExists(facts.Root, branch) ? branch : null),
            BaseCommit = Str(record, "baseCommit"),
            BaseBranch = Str(record, "baseBranch"),
            Head = entry?.Head,
            Dirty = dirty,
            HasUncapturedChanges = uncaptured,
            CreatedAt = record?["createdAtMs"] is JsonValue ms && ms.TryGetValue<long>(out var created) ? DateTimeOffset.FromUnixTimeMilliseconds(created).ToLocalTime() : null,
            LastPatch = Str(record, "lastPatch"),
            Workspace = Workspace,
            Repository = facts.Root,
        };
    }

    /// <summary>
    /// The tree of a worktree's content as it is now (commits and uncommitted changes, new files included,
    /// ignored and copied files left out), written through a throwaway index so the worktree's own index is untouched.
    /// </summary>
    public static string CurrentTree(string worktree, IReadOnlyCollection<string> excluded, CancellationToken cancellationToken = default)
    {
        var gitDir = GitCli.Require(worktree, ["rev-parse", "--absolute-git-dir"], cancellationToken: cancellationToken).Text.Trim();
        var index = Path.Combine(gitDir, $"msgcode-index-{Guid.NewGuid():N}");
        try
        {
            var own = Path.Combine(gitDir, "index");
            if (File.Exists(own))
            {
                File.Copy(own, index); // keeps git's stat cache: unchanged files are not hashed again
            }

            var environment = new Dictionary<string, string?> { ["GIT_INDEX_FILE"] = index };
            GitCli.Require(worktree, ["add", "--all", "--", "."], environment, worktree, cancellationToken);
            if (excluded.Count > 0)
            {
                // Copied files (.env and the like) never enter a patch, even when the runner committed them.
                var remove = new List<string> { "rm", "--cached", "--quiet", "--ignore-unmatch", "-r", "--" };
                remove.AddRange(excluded.Select(e => $":(literal){e}"));
                GitCli.Require(worktree, remove, environment, worktree, cancellationToken);
            }

            return GitCli.Require(worktree, ["write-tree"], environment, worktree, cancellationToken).Text.Trim();
        }
        finally
        {
            try
            {
                File.Delete(index);
            }
            catch (IOException)
            {
            }
        }
    }

    internal static string? TreeOf(string repository, string commit)
    {
        var result = GitCli.Run(repository, ["rev-parse", "--verify", "--quiet", commit + "^{tree}"]);
        return result.Succeeded ? result.Text.Trim() : null;
    }

    internal sealed record RegisteredWorktree(string Path, string? Head, string? Branch, bool Prunable, bool Main);

    /// <summary>git's own list of worktrees (<c>git worktree list --porcelain -z</c>).</summary>
    internal static List<RegisteredWorktree> RegisteredWorktrees(string repository)
    {
        var fields = System.Text.Encoding.UTF8.GetString(GitCli.Require(repository, ["worktree", "list", "--porcelain", "-z"]).StdOut).Split('\0');
        var list = new List<RegisteredWorktree>();
        string? path = null, head = null, branch = null;
        var prunable = false;
        foreach (var field in fields.Append(string.Empty))
        {
            if (field.Length == 0)
            {
                if (path is not null)
                {
                    list.Add(new RegisteredWorktree(path, head, branch, prunable, list.Count == 0));
                }

                path = head = branch = null;
                prunable = false;
                continue;
            }

            if (field.StartsWith("worktree ", StringComparison.Ordinal))
            {
                path = field["worktree ".Length..];
            }
            else if (field.StartsWith("HEAD ", StringComparison.Ordinal))
            {
                head = field["HEAD ".Length..];
            }
            else if (field.StartsWith("branch refs/heads/", StringComparison.Ordinal))
            {
                branch = field["branch refs/heads/".Length..];
            }
            else if (field.StartsWith("prunable", StringComparison.Ordinal))
            {
                prunable = true;
            }
        }

        return list.Where(w => !w.Main).ToList();
    }

    internal static bool BranchExists(string repository, string branch)
        => GitCli.Run(repository, ["rev-parse", "--verify", "--quiet", "refs/heads/" + branch]).Succeeded;

    /// <summary>The branch points at <paramref name="commit"/> itself: it holds no commit of its own.</summary>
    private static bool BranchIsBare(string repository, string branch, string commit)
    {
        var tip = GitCli.Run(repository, ["rev-parse", "--verify", "--quiet", "refs/heads/" + branch]);
        return tip.Succeeded && tip.Text.Trim() == commit;
    }

    /// <summary>Adds the worktrees folder to the repository's info/exclude (never to a tracked .gitignore), once.</summary>
    private void ExcludeWorktreesFolder(RepositoryFacts facts)
    {
        var relative = Path.GetRelativePath(facts.Root, WorktreesDirectory).Replace('\\', '/');
        if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return; // outside the repository's tree: nothing to hide
        }

        var common = GitCli.Require(facts.Root, ["rev-parse", "--path-format=absolute", "--git-common-dir"]).Text.Trim();
        var exclude = Path.Combine(common, "info", "exclude");
        var line = "/" + relative.TrimEnd('/') + "/";
        // The lock sits beside the tasks, not in .git: git reads any "<file>.lock" there as its own operation in progress.
        Directory.CreateDirectory(Store.TasksDirectory);
        using (FileLock.Acquire(Path.Combine(Store.TasksDirectory, "worktrees.lock")))
        {
            var text = File.Exists(exclude) ? File.ReadAllText(exclude) : string.Empty;
            if (text.Split('\n').Any(l => l.Trim() == line))
            {
                return;
            }

            var prefix = text.Length == 0 || text.EndsWith('\n') ? text : text + "\n";
            Directory.CreateDirectory(Path.GetDirectoryName(exclude)!);
            AtomicFile.WriteAllText(exclude, prefix + "# msgcode: task worktrees live here (see Get-MsgcodeWorktree)\n" + line + "\n");
        }
    }

    /// <summary>Copies the untracked files named by worktree.copyFiles (such as .env) from the main tree into a new worktree.</summary>
    private List<string> CopyUntrackedFiles(string repositoryRoot, string worktree)
    {
        var copied = new List<string>();
        if (Settings.CopyPatterns.Count == 0)
        {
            return copied;
        }

        using var repository = new Repository(repositoryRoot);
        foreach (var pattern in Settings.CopyPatterns)
        {
            var normalized = pattern.Replace('\\', '/').TrimStart('/');
            if (normalized.Length == 0 || normalized.Split('/').Any(s => s == ".."))
            {
                continue; // never outside the repository
            }

            var folder = Path.GetDirectoryName(normalized)?.Replace('\\', '/') ?? string.Empty;
            var name = Path.GetFileName(normalized);
            var source = Path.Combine(repositoryRoot, folder);
            if (!Directory.Exists(source) || folder.Contains('*') || folder.Contains('?'))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(source))
            {
                var fileName = Path.GetFileName(file);
                if (!FileSystemName.MatchesSimpleExpression(name, fileName, ignoreCase: false))
                {
                    continue;
                }

                var relative = folder.Length == 0 ? fileName : folder + "/" + fileName;
                if (relative.StartsWith(".git/", StringComparison.Ordinal) || repository.Index[relative] is not null)
                {
                    continue; // tracked files are in the worktree already
                }

                var target = Path.Combine(worktree, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                AtomicFile.WriteAllBytes(target, File.ReadAllBytes(file));
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(target, File.GetUnixFileMode(file)); // a .env readable by its owner alone stays so
                }

                copied.Add(relative);
            }
        }

        return copied;
    }

    internal static void TryDeleteDirectory(string path)
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

    private MsgcodeException NotARepository(string root)
        => new(ErrorIds.WorktreeRepositoryNotFound, MsgcodeErrorCategory.ObjectNotFound, root,
            $"'{root}' is not the top of a git repository, so a task cannot run in a worktree there. Run 'git init' in it, or point worktree.repository at the repository " +
            $"inside the workspace: Set-MsgcodeConfig worktree.repository <relative path> -Workspace '{Workspace}'.");

    internal static string Short(string commit) => commit.Length > 12 ? commit[..12] : commit;

    private static string Trim(string path) => path.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);

    internal static bool SamePath(string a, string b)
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

    private static bool IsUnder(string path, string folder)
    {
        var relative = Path.GetRelativePath(folder, path);
        return !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }
}
