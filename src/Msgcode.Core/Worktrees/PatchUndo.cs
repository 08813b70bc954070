using Msgcode.Core.Errors;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// Rolls back the newest merge of a task's patch (Undo-MsgcodePatch): a merge made as a commit gets a commit that
/// reverts it on the checked-out branch, a merge into the working tree is taken out of it again (the patch applied in
/// reverse). Refuses, before it writes anything, when later changes touched the same lines (<see cref="ErrorIds.PatchUndoConflict"/>)
/// or when it would write a file with uncommitted work or an untracked file in the way (<see cref="ErrorIds.PatchTouchesLocalChanges"/>).
/// </summary>
internal static class PatchUndo
{
    public static PatchUndoResult Undo(WorktreePatches patches, string taskIdOrPrefix, CancellationToken cancellationToken)
    {
        var store = patches.Store;
        var id = store.Resolve(taskIdOrPrefix);
        id = TaskAttempts.ParentOf(store.ReadDocument(id))?.TaskId ?? id; // an attempt's merge is recorded in its task
        var merge = PatchMerge.Of(store.ReadDocument(id)).LastOrDefault();
        if (merge is null || merge.Undone)
        {
            throw new MsgcodeException(ErrorIds.PatchNotMerged, MsgcodeErrorCategory.InvalidOperation, id,
                $"Task {id} has no merged patch to undo{(merge is null ? string.Empty : " (its last merge was undone already)")}. Undo-MsgcodePatch rolls back what Merge-MsgcodePatch merged; a patch applied by hand is rolled back by hand (git apply -R).");
        }

        var patch = patches.GetPatch(id, Path.GetFullPath(Path.Combine(store.Workspace, merge.Patch)));
        var facts = GitQueries.Inspect(patches.RepositoryPath, store.Workspace, countLocalChanges: false);
        var touched = new HashSet<string>(patch.Files.SelectMany(f => f.OldPath is null ? [f.Path] : new[] { f.Path, f.OldPath }), StringComparer.Ordinal);
        string? commit = null;
        if (patch.FilesChanged > 0 && merge.Mode == "commit")
        {
            commit = RevertCommit(patches, facts, patch, merge, touched, cancellationToken);
        }
        else if (patch.FilesChanged > 0)
        {
            var check = GitCli.Run(facts.Root, ["apply", "-R", "--check", "--whitespace=nowarn", patch.Path], cancellationToken: cancellationToken);
            if (!check.Succeeded)
            {
                throw Conflict(patch, check.StdErr, "the working tree changed the same lines since the merge");
            }

            GitCli.Require(facts.Root, ["apply", "-R", "--whitespace=nowarn", patch.Path], target: patch.Path, cancellationToken: cancellationToken);
        }

        store.Update(id, d =>
        {
            PatchMerge.ReplaceLast(d, merge with { Undone = true, UndoCommit = commit });
            return true;
        });
        return new PatchUndoResult
        {
            TaskId = id, PatchPath = patch.Path, Mode = merge.Mode, RevertedCommit = merge.Commit, Commit = commit, Branch = facts.Branch,
            Attempt = merge.Attempt, FilesChanged = patch.FilesChanged, Workspace = store.Workspace,
        };
    }

    /// <summary>A commit on HEAD that takes the patch out again, made through a throwaway index and brought into the working tree.</summary>
    private static string RevertCommit(WorktreePatches patches, RepositoryFacts facts, PatchInfo patch, PatchMerge merge, HashSet<string> touched, CancellationToken cancellationToken)
    {
        if (facts.Branch is null)
        {
            throw new MsgcodeException(ErrorIds.WorktreeHeadDetached, MsgcodeErrorCategory.InvalidOperation, facts.Root,
                "The main tree is on a detached HEAD, so there is no branch to commit the revert to. Nothing was changed. Check out the branch the patch was merged into first.");
        }

        var index = GitQueries.TempIndexFromHead(facts, cancellationToken);
        try
        {
            var environment = new Dictionary<string, string?> { ["GIT_INDEX_FILE"] = index };
            var check = GitCli.Run(facts.Root, ["apply", "--cached", "-R", "--check", "--whitespace=nowarn", patch.Path], environment, cancellationToken);
            if (!check.Succeeded)
            {
                throw Conflict(patch, check.StdErr, $"later commits on {facts.Branch} changed the same lines since the merge");
            }

            var untracked = UntrackedFiles.InTheWay(facts.Root, facts.Head, touched);
            var local = GitQueries.LocalChanges(facts.Root).Where(touched.Contains).Concat(untracked).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            if (local.Length > 0)
            {
                throw new MsgcodeException(ErrorIds.PatchTouchesLocalChanges, MsgcodeErrorCategory.InvalidOperation, patch.Path,
                    $"The merge was not undone, and nothing was changed: {WorktreePatches.LocalChangesMessage(local, untracked)} Then undo it again.");
            }

            GitCli.Require(facts.Root, ["apply", "--cached", "-R", "--whitespace=nowarn", patch.Path], environment, patch.Path, cancellationToken);
            var tree = GitCli.Require(facts.Root, ["write-tree"], environment, facts.Root, cancellationToken).Text.Trim();
            var message = $"Revert the patch of task {patch.TaskId}\n\nUndone by msgcode{(merge.Commit is null ? string.Empty : $": reverts {merge.Commit}")}.";
            var made = GitCli.Run(facts.Root, ["commit-tree", tree, "-p", facts.Head, "-m", message], cancellationToken: cancellationToken);
            if (!made.Succeeded)
            {
                throw new MsgcodeException(ErrorIds.GitCommandFailed, MsgcodeErrorCategory.InvalidOperation, facts.Root,
                    $"git could not make the revert commit: {made.StdErr.Trim()} Nothing was changed.");
            }

            var commit = made.Text.Trim();
            GitCli.Require(facts.Root, ["read-tree", "-m", "-u", facts.Head, commit], target: facts.Root, cancellationToken: cancellationToken);
            GitCli.Require(facts.Root, ["update-ref", "-m", $"msgcode: undo the patch of {patch.TaskId}", "HEAD", commit, facts.Head], target: facts.Root, cancellationToken: cancellationToken);
            return commit;
        }
        finally
        {
            PathHelpers.TryDeleteFile(index);
        }
    }

    private static MsgcodeException Conflict(PatchInfo patch, string stderr, string why)
        => new(ErrorIds.PatchUndoConflict, MsgcodeErrorCategory.InvalidOperation, patch.Path,
            $"The merge of task {patch.TaskId}'s patch cannot be undone: {why} ({string.Join(", ", PatchText.ConflictPaths(stderr).Take(5))}). Nothing was changed; take the change out by hand (git revert, or edit the files).");
}
