using System.IO.Enumeration;
using System.Text.Json.Nodes;
using LibGit2Sharp;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// Task worktrees of one workspace: <c>&lt;ws&gt;/worktrees/&lt;taskId&gt;</c> on branch
/// <c>msgcode/&lt;taskId&gt;</c>, started from the main tree's HEAD (the base), kept out of the main tree's
/// status through the repository's own <c>info/exclude</c> (no tracked file is edited). The task file records
/// the base, the branch and the last captured tree, so "does it hold work no patch has captured?" has an
/// exact answer. LibGit2Sharp reads the repository; the git command line does what LibGit2Sharp cannot (see <see cref="GitCli"/>).
/// The manager makes and removes worktrees itself; listing them (<see cref="WorktreeInventory"/>), cleaning up after them
/// (<see cref="WorktreeCleanup"/>) and their patches (<see cref="WorktreePatches"/>) are done by the types it hands them to.
/// </summary>
public sealed class WorktreeManager
{
    public const string BranchPrefix = "msgcode/";

    private readonly WorktreeInventory _inventory;

    private readonly WorktreePatches _patches;

    public WorktreeManager(TaskStore store, WorktreeSettings? settings = null)
    {
        Store = store;
        Settings = settings ?? new WorktreeSettings();
        _inventory = new WorktreeInventory(this);
        _patches = new WorktreePatches(store, RepositoryPath);
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
    public RepositoryFacts Inspect(bool countLocalChanges = false) => GitQueries.Inspect(RepositoryPath, Workspace, countLocalChanges);

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
        // One preparation at a time per workspace (attempts start together): git's worktree list, prune and add
        // read and write .git/worktrees, and a listing must not meet another add's half-made entry.
        // The main tree's facts are read first: counting its local changes reads every file, and needs no lock.
        facts = Inspect(countLocalChanges: true);
        Directory.CreateDirectory(Store.TasksDirectory);
        using var creating = FileLock.Acquire(Path.Combine(Store.TasksDirectory, "worktrees-create.lock"), TimeSpan.FromMinutes(10), cancellationToken);
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

        if (RegisteredWorktree.ListOf(facts.Root).Any(w => w.Branch == branch || PathHelpers.SamePath(w.Path, path)))
        {
            GitCli.Require(facts.Root, ["worktree", "prune"], cancellationToken: cancellationToken);
        }

        if (GitQueries.BranchExists(facts.Root, branch))
        {
            GitCli.Require(facts.Root, ["branch", "-D", "--", branch], target: branch, cancellationToken: cancellationToken);
        }

        ExcludeWorktreesFolder(facts);
        Directory.CreateDirectory(WorktreesDirectory);
        var start = StartOf(task, facts); // an attempt starts where its task's other attempts start
        var add = GitCli.Run(facts.Root, ["worktree", "add", "--quiet", "--no-track", "-b", branch, path, start], cancellationToken: cancellationToken);
        if (!add.Succeeded)
        {
            // Leave nothing half-made behind: a failed add may have left a folder, a record or the branch.
            PathHelpers.TryDeleteDirectory(path);
            GitCli.Run(facts.Root, ["worktree", "prune"]);
            if (GitQueries.BranchExists(facts.Root, branch))
            {
                GitCli.Run(facts.Root, ["branch", "-D", "--", branch]);
            }

            throw new MsgcodeException(ErrorIds.GitCommandFailed, MsgcodeErrorCategory.InvalidOperation, path,
                $"git could not create the worktree '{path}': {add.StdErr.Trim()}");
        }

        copied = CopyUntrackedFiles(facts.Root, path);
        return new JsonObject
        {
            ["path"] = PathHelpers.Relative(Workspace, path),
            ["branch"] = branch,
            ["baseCommit"] = start,
            ["baseBranch"] = facts.Branch,
            ["repository"] = PathHelpers.Relative(Workspace, facts.Root),
            ["createdAtMs"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["copiedFiles"] = new JsonArray(copied.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
        };
    }

    /// <summary>The commit a task's worktree starts from: its attempts' common base, else the main tree's HEAD.</summary>
    private static string StartOf(TaskDocument task, RepositoryFacts facts) => TaskAttempts.BaseOf(task) ?? facts.Head;

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
        var registered = RegisteredWorktree.ListOf(facts.Root).FirstOrDefault(w => w.Branch == branch || PathHelpers.SamePath(w.Path, path));
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
                if (recordedBase is not null && recordedBase != StartOf(task, facts))
                {
                    throw new MsgcodeException(ErrorIds.WorktreeBaseStale, MsgcodeErrorCategory.InvalidOperation, id,
                        $"The worktree of task {id} starts from {GitQueries.Short(recordedBase)}, but the main tree is now at {GitQueries.Short(facts.Head)}. It is not reused on a stale base: " +
                        "run with -Fresh to start over from the current HEAD (its last patch stays in the task's outputs), or apply the last patch first with Merge-MsgcodePatch.");
                }

                if (record is not null)
                {
                    return PreparePlan.Reuse;
                }
            }

            var info = _inventory.Describe(facts, id, task, [registered], inspectContent: true);
            if (info.HasUncapturedChanges == true)
            {
                throw new MsgcodeException(ErrorIds.WorktreeHasUncapturedChanges, MsgcodeErrorCategory.InvalidOperation, path,
                    $"The worktree of task {id} holds changes that no patch has captured, so it is not replaced. Run the task again without -Fresh to capture them, " +
                    $"or remove the worktree first with Remove-MsgcodeWorktree {id} -Force.");
            }

            return PreparePlan.Recreate;
        }

        if (GitQueries.BranchExists(facts.Root, branch) && !fresh && !GitQueries.BranchIsBare(facts.Root, branch, Str(record, "baseCommit") ?? facts.Head))
        {
            throw new MsgcodeException(ErrorIds.WorktreeBranchExists, MsgcodeErrorCategory.ResourceExists, branch,
                $"The branch {branch} already exists with commits of its own, but no worktree holds it. Nothing was changed. Run with -Fresh to replace it, or delete it (git branch -D {branch}).");
        }

        return PreparePlan.Create;
    }

    /// <summary>Whether a live process runs the task now (its worktree must not be removed under it).</summary>
    internal bool RunsNow(string taskId)
        => TaskId.IsValid(taskId) && File.Exists(Store.JsonPath(taskId)) && Store.ReadDocument(taskId) is { Status: TaskStatuses.Running } running && TaskExecution.IsLive(running.CurrentRun);

    /// <summary>Removes a task's worktree folder, its branch and git's record of it. Refuses uncaptured work unless <paramref name="force"/>.</summary>
    public WorktreeInfo Remove(string taskId, bool force, CancellationToken cancellationToken = default) => Remove(taskId, force, forItsOwnRun: false, cancellationToken);

    private WorktreeInfo Remove(string taskId, bool force, bool forItsOwnRun, CancellationToken cancellationToken)
    {
        var facts = Inspect();
        if (!forItsOwnRun && RunsNow(taskId))
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

            PathHelpers.TryDeleteDirectory(info.Path);
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
        if (GitQueries.BranchExists(facts.Root, branch))
        {
            GitCli.Require(facts.Root, ["branch", "-D", "--", branch], target: branch, cancellationToken: cancellationToken);
        }

        ForgetRecord(taskId);
        return info.WithState(WorktreeStates.Removed);
    }

    /// <summary>Removes the worktree record from the task's file, when there is such a task.</summary>
    internal void ForgetRecord(string taskId)
    {
        if (TaskId.IsValid(taskId) && File.Exists(Store.JsonPath(taskId)))
        {
            Store.Update(taskId, d => d.Root.Remove("worktree"));
        }
    }

    /// <inheritdoc cref="WorktreeInventory.List"/>
    public IReadOnlyList<WorktreeInfo> List(string? taskId = null, bool inspectContent = true, Action<MsgcodeProblem>? onProblem = null)
        => _inventory.List(taskId, inspectContent, onProblem);

    /// <summary>What the doctor reports of a workspace's worktrees (no content is hashed: it stays fast).</summary>
    public IReadOnlyList<WorktreeInfo> Problems()
        => List(inspectContent: false).Where(w => w.State != WorktreeStates.Active).ToList();

    /// <inheritdoc cref="WorktreeCleanup.Run"/>
    public IReadOnlyList<WorktreeCleanupItem> Cleanup(Func<string, string, bool> shouldProcess, Action<MsgcodeProblem>? onProblem = null, CancellationToken cancellationToken = default)
        => new WorktreeCleanup(this).Run(shouldProcess, onProblem, cancellationToken);

    /// <inheritdoc cref="WorktreePatches.Capture"/>
    public CapturedPatch Capture(TaskDocument task, JsonObject record, string runId, string runnerKind, string runStatus, string? runnerSummary, int mainLocalChanges, string artifactDirectory, CancellationToken cancellationToken = default)
        => _patches.Capture(task, record, runId, runnerKind, runStatus, runnerSummary, mainLocalChanges, artifactDirectory, cancellationToken);

    /// <inheritdoc cref="WorktreePatches.GetPatch"/>
    public PatchInfo GetPatch(string taskIdOrPrefix, string? patchPath = null, bool includeContent = false)
        => _patches.GetPatch(taskIdOrPrefix, patchPath, includeContent);

    /// <inheritdoc cref="WorktreePatches.Check(string, string?, CancellationToken)"/>
    public PatchCheck Check(string taskIdOrPrefix, string? patchPath = null, CancellationToken cancellationToken = default)
        => _patches.Check(taskIdOrPrefix, patchPath, cancellationToken);

    /// <inheritdoc cref="WorktreePatches.Apply"/>
    public PatchApplyResult Apply(string taskIdOrPrefix, bool commit, string? message = null, string? patchPath = null, CancellationToken cancellationToken = default)
        => _patches.Apply(taskIdOrPrefix, commit, message, patchPath, cancellationToken);

    /// <summary>The worktrees of the task and of its attempts.</summary>
    public IReadOnlyList<WorktreeInfo> ListWithAttempts(string taskId, Action<MsgcodeProblem>? onProblem = null) => AttemptWorktrees.List(this, taskId, onProblem);

    /// <summary>Removes the worktrees of the task and of its attempts (none while one of them runs).</summary>
    public IReadOnlyList<WorktreeInfo> RemoveWithAttempts(string taskId, bool force, CancellationToken cancellationToken = default) => AttemptWorktrees.Remove(this, taskId, force, cancellationToken);

    /// <summary>The task's attempts, best first (<see cref="PatchComparison"/>); with <paramref name="detailed"/> also the files they share and how they differ.</summary>
    public IReadOnlyList<AttemptComparison> Compare(string taskIdOrPrefix, bool detailed = false, CancellationToken cancellationToken = default)
        => PatchComparison.Compare(this, taskIdOrPrefix, detailed, cancellationToken);

    /// <summary>Rolls back the newest merge of the task's patch: a revert commit, or the patch taken out of the working tree.</summary>
    public PatchUndoResult Undo(string taskIdOrPrefix, CancellationToken cancellationToken = default) => _patches.Undo(taskIdOrPrefix, cancellationToken);

    /// <summary>Adds the worktrees folder to the repository's info/exclude (never to a tracked .gitignore), once.</summary>
    private void ExcludeWorktreesFolder(RepositoryFacts facts)
    {
        var relative = PathHelpers.Relative(facts.Root, WorktreesDirectory);
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
}
