using System.Text.Json.Nodes;
using Msgcode.Core.Errors;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Worktrees;

/// <summary>What worktrees a workspace has, and what state each is in (Get-MsgcodeWorktree, and the checks before a worktree is made or removed).</summary>
internal sealed class WorktreeInventory
{
    private readonly WorktreeManager _manager;

    public WorktreeInventory(WorktreeManager manager) => _manager = manager;

    private string Workspace => _manager.Workspace;

    private string WorktreesDirectory => _manager.WorktreesDirectory;

    /// <summary>Every worktree of the workspace: those its tasks record, those git lists on msgcode branches, and any folder under worktrees/.</summary>
    public IReadOnlyList<WorktreeInfo> List(string? taskId = null, bool inspectContent = true, Action<MsgcodeProblem>? onProblem = null)
    {
        var facts = _manager.Inspect();
        var registered = RegisteredWorktree.ListOf(facts.Root)
            .Where(w => (w.Branch?.StartsWith(WorktreeManager.BranchPrefix, StringComparison.Ordinal) ?? false) || PathHelpers.IsUnder(w.Path, WorktreesDirectory))
            .ToList();
        var tasks = new Dictionary<string, TaskDocument>(StringComparer.Ordinal);
        foreach (var info in _manager.Store.List(onProblem))
        {
            if (taskId is not null && info.Id != taskId)
            {
                continue;
            }

            if (info.Document is { } document && WorktreeManager.RecordOf(document) is not null)
            {
                tasks[info.Id] = document;
            }
        }

        var ids = new SortedSet<string>(tasks.Keys, StringComparer.Ordinal);
        foreach (var worktree in registered)
        {
            ids.Add(worktree.Branch?.StartsWith(WorktreeManager.BranchPrefix, StringComparison.Ordinal) == true ? worktree.Branch[WorktreeManager.BranchPrefix.Length..] : Path.GetFileName(worktree.Path));
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
                    document = _manager.Store.ReadDocument(id);
                }
                catch (MsgcodeException)
                {
                }
            }

            result.Add(Describe(facts, id, document, registered, inspectContent));
        }

        return result;
    }

    /// <summary>
    /// One worktree's state; with <paramref name="inspectContent"/>, also whether its content differs from its base and
    /// whether it holds work that no patch has captured (this hashes its files, so it is left out where speed matters).
    /// </summary>
    public WorktreeInfo Describe(RepositoryFacts facts, string id, TaskDocument? task, List<RegisteredWorktree> registered, bool inspectContent)
    {
        var record = task is null ? null : WorktreeManager.RecordOf(task);
        var path = WorktreeManager.Str(record, "path") is { } relative ? Path.GetFullPath(Path.Combine(Workspace, relative)) : _manager.PathFor(id);
        var branch = WorktreeManager.Str(record, "branch") ?? WorktreeManager.BranchFor(id);
        var entry = registered.FirstOrDefault(w => w.Branch == branch || PathHelpers.SamePath(w.Path, path));
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
            var tree = GitQueries.CurrentTree(path, copied);
            var baseCommit = WorktreeManager.Str(record, "baseCommit");
            var baseTree = baseCommit is null ? null : GitQueries.TreeOf(facts.Root, baseCommit);
            dirty = baseTree is null ? null : tree != baseTree;
            if (WorktreeManager.Str(record, "capturedTree") is { } captured)
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
                var headTree = entry?.Head is null ? null : GitQueries.TreeOf(facts.Root, entry.Head);
                var merged = entry?.Head is not null && GitQueries.IsAncestor(facts.Root, entry.Head, facts.Head);
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
            Branch = entry?.Branch ?? (GitQueries.BranchExists(facts.Root, branch) ? branch : null),
            BaseCommit = WorktreeManager.Str(record, "baseCommit"),
            BaseBranch = WorktreeManager.Str(record, "baseBranch"),
            Head = entry?.Head,
            Dirty = dirty,
            HasUncapturedChanges = uncaptured,
            CreatedAt = record?["createdAtMs"] is JsonValue ms && ms.TryGetValue<long>(out var created) ? DateTimeOffset.FromUnixTimeMilliseconds(created).ToLocalTime() : null,
            LastPatch = WorktreeManager.Str(record, "lastPatch"),
            Workspace = Workspace,
            Repository = facts.Root,
        };
    }
}
