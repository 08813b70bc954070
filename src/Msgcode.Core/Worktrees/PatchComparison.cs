using Msgcode.Core.Errors;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// Compares the attempts of a task (Compare-MsgcodePatch): one row per attempt, best first — verified before not
/// verified before failed verification, a succeeded run before the others, then the fewest files that conflict with the
/// main tree's HEAD, then the smallest patch (lines added and deleted), then the attempt's number.
/// </summary>
internal static class PatchComparison
{
    public const string NoPatch = "NoPatch";

    public static IReadOnlyList<AttemptComparison> Compare(WorktreeManager manager, string taskIdOrPrefix, bool detailed, CancellationToken cancellationToken)
    {
        var store = manager.Store;
        var id = store.Resolve(taskIdOrPrefix);
        var attempts = TaskAttempts.Of(store.ReadDocument(id));
        if (attempts.Count == 0)
        {
            throw new MsgcodeException(ErrorIds.AttemptNotFound, MsgcodeErrorCategory.ObjectNotFound, id,
                $"Task {id} has no attempts to compare. Invoke-MsgcodeTask {id} -Worktree -Attempts 3 (or -Runner claude, codex) makes some.");
        }

        var ledger = new RunLedger(store.LedgerPath);
        var rows = attempts.Select(a => Row(manager, ledger, id, a, cancellationToken)).ToList();
        var ranked = rows
            .OrderBy(r => r.VerifyStatus switch { PatchVerification.Verified => 0, PatchVerification.NotVerified => 1, PatchVerification.VerifyFailed => 2, _ => 3 })
            .ThenBy(r => r.RunStatus == Runners.RunStatuses.Succeeded ? 0 : 1)
            .ThenBy(r => r.AppliesCleanly == false ? Math.Max(1, r.Conflicts.Length) : 0)
            .ThenBy(r => r.Insertions + r.Deletions)
            .ThenBy(r => r.Attempt)
            .ToList();
        for (var i = 0; i < ranked.Count; i++)
        {
            ranked[i].Rank = i + 1;
        }

        if (detailed)
        {
            Detail(manager, ranked, cancellationToken);
        }

        return ranked;
    }

    private static AttemptComparison Row(WorktreeManager manager, RunLedger ledger, string parentId, TaskAttempt attempt, CancellationToken cancellationToken)
    {
        var run = ledger.NewestRuns(1, attempt.TaskId).FirstOrDefault();
        var model = run?.Model;
        PatchInfo? patch = null;
        PatchCheck? check = null;
        try
        {
            patch = manager.GetPatch(attempt.TaskId);
            check = manager.Check(attempt.TaskId, patch.Path, cancellationToken);
        }
        catch (MsgcodeException ex) when (ex.ErrorId is ErrorIds.PatchNotFound or ErrorIds.TaskNotFound)
        {
        }

        return new AttemptComparison
        {
            Attempt = attempt.Number,
            TaskId = attempt.TaskId,
            ParentId = parentId,
            Runner = run?.Runner ?? attempt.Runner,
            Model = model,
            RunStatus = run?.Status,
            RunId = run?.RunId,
            VerifyStatus = patch?.VerifyStatus ?? NoPatch,
            FilesChanged = patch?.FilesChanged ?? 0,
            Insertions = patch?.Insertions ?? 0,
            Deletions = patch?.Deletions ?? 0,
            AppliesCleanly = check?.AppliesCleanly,
            Conflicts = check?.Conflicts ?? [],
            InputTokens = run?.InputTokens,
            OutputTokens = run?.OutputTokens,
            CostUsd = run?.CostUsd,
            DurationSeconds = run?.DurationSeconds,
            PatchPath = patch?.Path,
            Files = patch?.Files.Select(f => f.Path).ToArray() ?? [],
            Workspace = manager.Workspace,
        };
    }

    /// <summary>Which files several attempts changed, and how each attempt's version of them differs from the best attempt's.</summary>
    private static void Detail(WorktreeManager manager, IReadOnlyList<AttemptComparison> ranked, CancellationToken cancellationToken)
    {
        var counts = ranked.SelectMany(r => r.Files.Distinct(StringComparer.Ordinal)).GroupBy(f => f, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var best = ranked[0];
        var bestTree = CapturedTree(manager, best.TaskId);
        var root = manager.RepositoryPath;
        foreach (var row in ranked)
        {
            row.SharedFiles = [.. row.Files.Where(f => counts[f] > 1).Order(StringComparer.Ordinal)];
            var differences = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var tree = CapturedTree(manager, row.TaskId);
            if (row != best && bestTree is not null && tree is not null)
            {
                foreach (var file in row.SharedFiles.Where(best.Files.Contains))
                {
                    differences[file] = GitCli.Run(root, ["diff", "--no-color", "--no-ext-diff", bestTree, tree, "--", file], cancellationToken: cancellationToken).Text;
                }
            }

            row.DifferencesFromBest = differences;
        }
    }

    private static string? CapturedTree(WorktreeManager manager, string taskId)
    {
        try
        {
            return WorktreeManager.Str(WorktreeManager.RecordOf(manager.Store.ReadDocument(taskId)), "capturedTree");
        }
        catch (MsgcodeException)
        {
            return null;
        }
    }
}
