using System.Text;
using System.Text.Json.Nodes;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// The patches of a workspace's task worktrees: capturing a worktree's work as a patch, finding and reading a task's
/// patches, checking one against the main tree and applying it there (Get-, Test- and Merge-MsgcodePatch, through
/// <see cref="WorktreeManager"/>). The patch's text is <see cref="PatchText"/>'s business.
/// </summary>
internal sealed class WorktreePatches
{
    public WorktreePatches(TaskStore store, string repositoryPath)
    {
        Store = store;
        RepositoryPath = repositoryPath;
    }

    public TaskStore Store { get; }

    public string RepositoryPath { get; }

    public string Workspace => Store.Workspace;

    /// <summary>
    /// Writes <c>patch.diff</c> (binary-safe, full object ids, renames detected; new, deleted, renamed and
    /// mode-changed files included; the runner's commits and its uncommitted changes alike) and <c>summary.md</c>
    /// into <paramref name="artifactDirectory"/>. The patch opens with a short header (task, run, base commit)
    /// that <c>git apply</c> skips, so the file says by itself what it applies to.
    /// </summary>
    public CapturedPatch Capture(TaskDocument task, JsonObject record, string runId, string runnerKind, string runStatus, string? runnerSummary, int mainLocalChanges, string artifactDirectory, CancellationToken cancellationToken = default)
    {
        var path = Path.GetFullPath(Path.Combine(Workspace, WorktreeManager.Str(record, "path") ?? Path.Combine("worktrees", task.Id)));
        if (!Directory.Exists(path) || !File.Exists(Path.Combine(path, ".git")))
        {
            throw new MsgcodeException(ErrorIds.WorktreeLost, MsgcodeErrorCategory.ObjectNotFound, path,
                $"The worktree '{path}' of task {task.Id} was deleted while the runner ran, so there is no patch. The main tree was not touched. " +
                $"Clear-MsgcodeWorktree -Workspace '{Workspace}' removes what is left of it; run the task again with -Worktree -Fresh.");
        }

        var baseCommit = WorktreeManager.Str(record, "baseCommit") ?? throw new MsgcodeException(ErrorIds.WorktreeNotFound, MsgcodeErrorCategory.ObjectNotFound, task.Id, $"Task {task.Id} records no base commit for its worktree.");
        var copied = (record["copiedFiles"] as JsonArray)?.Select(n => (string?)n).OfType<string>().ToList() ?? [];
        var tree = GitQueries.CurrentTree(path, copied, cancellationToken);
        var diff = GitCli.Require(path, ["diff", "--binary", "--full-index", "-M", "--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", "--no-relative", baseCommit, tree],
            target: path, cancellationToken: cancellationToken).StdOut;
        var files = Stats(path, ["diff", "--numstat", "-z", "-M", "--no-ext-diff", "--no-textconv", baseCommit, tree], ["diff", "--name-status", "-z", "-M", "--no-ext-diff", baseCommit, tree]);

        var bytes = PatchText.WithHeader(task.Id, runId, baseCommit, WorktreeManager.Str(record, "branch"), files, diff);
        Directory.CreateDirectory(artifactDirectory);
        var patchPath = Path.Combine(artifactDirectory, "patch.diff");
        var summaryPath = Path.Combine(artifactDirectory, "summary.md");
        AtomicFile.WriteAllBytes(patchPath, bytes);
        AtomicFile.WriteAllText(summaryPath, PatchText.Summary(task, record, runId, runnerKind, runStatus, runnerSummary, mainLocalChanges, baseCommit, files, PathHelpers.Relative(Workspace, patchPath)));
        return new CapturedPatch(patchPath, summaryPath, tree, baseCommit, files);
    }

    /// <summary>The newest patch of a task (or the one named), with its files and counts.</summary>
    public PatchInfo GetPatch(string taskIdOrPrefix, string? patchPath = null, bool includeContent = false)
    {
        var (id, path) = FindPatch(taskIdOrPrefix, patchPath);
        var header = PatchText.ReadHeader(path);
        var files = PatchText.IsEmpty(path) ? [] : Stats(Workspace, ["apply", "--numstat", "-z", path], null);
        var kinds = PatchText.ChangeKinds(path);
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
            Verification = PatchVerifier.ReadBeside(path),
        };
    }

    /// <summary>
    /// Checks the patch's hunks against the main tree's HEAD (never its working tree) through a throwaway index, and reports
    /// drift and the local work it would meet in the working tree: uncommitted changes, and untracked or ignored files in its way.
    /// </summary>
    public PatchCheck Check(string taskIdOrPrefix, string? patchPath = null, CancellationToken cancellationToken = default)
    {
        var facts = GitQueries.Inspect(RepositoryPath, Workspace, countLocalChanges: false);
        var patch = GetPatch(taskIdOrPrefix, patchPath);
        return Check(facts, patch, cancellationToken);
    }

    private PatchCheck Check(RepositoryFacts facts, PatchInfo patch, CancellationToken cancellationToken)
    {
        var conflicts = new List<string>();
        var applies = true;
        var alreadyApplied = false;
        if (patch.FilesChanged > 0)
        {
            var index = GitQueries.TempIndexFromHead(facts, cancellationToken);
            try
            {
                var result = GitCli.Run(facts.Root, ["apply", "--cached", "--check", "--whitespace=nowarn", patch.Path], new Dictionary<string, string?> { ["GIT_INDEX_FILE"] = index }, cancellationToken);
                applies = result.Succeeded;
                // A patch that only applies in reverse has been merged already: that, not a conflict, is what to report.
                alreadyApplied = !applies && GitCli.Run(facts.Root, ["apply", "--cached", "--check", "--reverse", "--whitespace=nowarn", patch.Path], new Dictionary<string, string?> { ["GIT_INDEX_FILE"] = index }, cancellationToken).Succeeded;
                if (!applies && !alreadyApplied)
                {
                    conflicts.AddRange(PatchText.ConflictPaths(result.StdErr));
                    if (conflicts.Count == 0)
                    {
                        conflicts.Add(result.StdErr.Trim());
                    }
                }
            }
            finally
            {
                PathHelpers.TryDeleteFile(index);
            }
        }

        var touched = new HashSet<string>(patch.Files.SelectMany(f => f.OldPath is null ? [f.Path] : new[] { f.Path, f.OldPath }), StringComparer.Ordinal);
        var untracked = UntrackedFiles.InTheWay(facts.Root, facts.Head, touched);
        var local = GitQueries.LocalChanges(facts.Root).Where(touched.Contains).Concat(untracked).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var drift = patch.BaseCommit is not null && patch.BaseCommit != facts.Head;
        int? since = null;
        if (patch.BaseCommit is not null && GitQueries.IsAncestor(facts.Root, patch.BaseCommit, facts.Head))
        {
            since = int.TryParse(GitCli.Run(facts.Root, ["rev-list", "--count", patch.BaseCommit + ".." + facts.Head]).Text.Trim(), out var n) ? n : null;
        }

        var message = patch.FilesChanged == 0
            ? "The patch changes nothing."
            : alreadyApplied
                ? $"The patch is already applied to {GitQueries.Short(facts.Head)}: every change it makes is there, so there is nothing to merge."
            : !applies
                ? $"The patch does not apply to {GitQueries.Short(facts.Head)}: {string.Join(", ", conflicts.Take(5))}{(drift ? $" (the main branch moved {since?.ToString() ?? "away"} commit(s) since the base)" : string.Empty)}."
                : local.Length > 0
                    ? $"The patch applies to {GitQueries.Short(facts.Head)}, but merging it is refused: {LocalChangesMessage(local, untracked)}"
                    : drift
                        ? $"The patch applies cleanly to {GitQueries.Short(facts.Head)}, although the main branch moved {since?.ToString() ?? "away"} commit(s) since the base."
                        : $"The patch applies cleanly to {GitQueries.Short(facts.Head)} (its base).";
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
            AlreadyApplied = alreadyApplied,
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
        var facts = GitQueries.Inspect(RepositoryPath, Workspace, countLocalChanges: false);
        var patch = GetPatch(taskIdOrPrefix, patchPath);
        var check = Check(facts, patch, cancellationToken);
        if (check.AlreadyApplied)
        {
            throw new MsgcodeException(ErrorIds.PatchAlreadyApplied, MsgcodeErrorCategory.InvalidOperation, patch.Path,
                check.Message + $" Nothing was changed. To take it back out: Undo-MsgcodePatch {patch.TaskId}.");
        }

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
            return Merged(new PatchApplyResult { TaskId = patch.TaskId, PatchPath = patch.Path, Mode = "workingTree", Branch = facts.Branch, FilesChanged = patch.FilesChanged, Workspace = Workspace });
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

        var index = GitQueries.TempIndexFromHead(facts, cancellationToken);
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
            PathHelpers.TryDeleteFile(index);
        }

        // Bring the main index and working tree from HEAD to the new commit (files with local changes, and untracked or
        // ignored files in the patch's way, were refused above, so nothing of the user's is overwritten), then move the branch.
        GitCli.Require(facts.Root, ["read-tree", "-m", "-u", facts.Head, newCommit], target: facts.Root, cancellationToken: cancellationToken);
        GitCli.Require(facts.Root, ["update-ref", "-m", $"msgcode: apply the patch of {patch.TaskId}", "HEAD", newCommit, facts.Head], target: facts.Root, cancellationToken: cancellationToken);
        return Merged(new PatchApplyResult { TaskId = patch.TaskId, PatchPath = patch.Path, Mode = "commit", Commit = newCommit, Branch = facts.Branch, FilesChanged = patch.FilesChanged, Workspace = Workspace });
    }

    /// <summary>Records the merge in the task (what Undo-MsgcodePatch rolls back); a task that cannot be written keeps the merge unrecorded.</summary>
    private PatchApplyResult Merged(PatchApplyResult result)
    {
        try
        {
            // An attempt's merge is the merge of its task: recorded there, with the attempt's number.
            var attempt = TaskAttempts.ParentOf(Store.ReadDocument(result.TaskId));
            var merge = new PatchMerge { Patch = PathHelpers.Relative(Workspace, result.PatchPath), Mode = result.Mode, Commit = result.Commit, Branch = result.Branch, Attempt = attempt?.Number, AtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
            Store.Update(attempt?.TaskId ?? result.TaskId, d =>
            {
                PatchMerge.Add(d, merge);
                return true;
            });
        }
        catch (MsgcodeException ex)
        {
            return new PatchApplyResult
            {
                TaskId = result.TaskId, PatchPath = result.PatchPath, Mode = result.Mode, Commit = result.Commit, Branch = result.Branch, FilesChanged = result.FilesChanged, Workspace = result.Workspace,
                Warning = $"The patch was merged, but the merge could not be recorded in the task ({ex.ErrorId}: {ex.Message}), so Undo-MsgcodePatch cannot roll it back; undo it by hand ({(result.Commit is null ? "git apply -R <patch>" : $"git revert {result.Commit}")}).",
            };
        }

        return result;
    }

    /// <summary>Rolls back the task's newest merge (<see cref="PatchUndo"/>).</summary>
    public PatchUndoResult Undo(string taskIdOrPrefix, CancellationToken cancellationToken = default) => PatchUndo.Undo(this, taskIdOrPrefix, cancellationToken);

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

    /// <summary>Runs git's <c>--numstat -z</c> (and, when given, <c>--name-status -z</c>) in <paramref name="directory"/> and parses them into file changes.</summary>
    private static List<PatchFileChange> Stats(string directory, string[] numstat, string[]? nameStatus)
    {
        var fields = GitCli.Require(directory, numstat).StdOut;
        return PatchText.ParseStats(fields, nameStatus is null ? null : GitCli.Require(directory, nameStatus).StdOut);
    }

    /// <summary>What is in the way of a merge, and what to do about it (the same words for Test-MsgcodePatch and Merge-MsgcodePatch).</summary>
    internal static string LocalChangesMessage(IReadOnlyCollection<string> local, IReadOnlyCollection<string> untracked)
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
}
