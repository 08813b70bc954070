using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Daemon;

/// <summary>
/// Reads the queue after a start: what still has to run, what was interrupted, what is done. A run's id is
/// fixed when it is queued, and the workspace's ledger says what became of it, so after a crash every queued
/// run runs exactly once, a run that was in progress is recorded as interrupted (and queued again only if its
/// task asks for that), and completed work never runs again.
/// </summary>
internal static class QueueRecovery
{
    /// <summary>The runs still to run, in the order they were queued; queue.jsonl is compacted to them.</summary>
    public static List<QueueEntry> Recover(QueueJournal journal, MsgcodeLog log)
    {
        var queued = new Dictionary<string, QueueEntry>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (entry, lineNumber) in journal.Read(p => log.Warn("queue", "malformed queue line skipped", new { path = p.Target, line = p.Line })))
        {
            if (!Path.IsPathFullyQualified(entry.Workspace ?? string.Empty))
            {
                log.Warn("queue", "queue entry without a usable workspace skipped", new { runId = entry.RunId, line = lineNumber });
                continue;
            }

            if (entry.Op == "done")
            {
                queued.Remove(entry.RunId);
            }
            else if (queued.TryAdd(entry.RunId, entry))
            {
                order.Add(entry.RunId);
            }
        }

        var pending = new List<QueueEntry>();
        foreach (var workspace in queued.Values.Select(e => e.Workspace).Distinct(StringComparer.Ordinal).ToList()) // the loop re-queues interrupted runs
        {
            var store = new TaskStore(workspace);
            if (!Directory.Exists(store.Workspace))
            {
                log.Warn("queue", "workspace of queued runs is gone", new { workspace });
                continue;
            }

            // Runs that were in progress when the previous daemon died: interrupted, never run again as they were.
            foreach (var closed in TaskExecution.RecoverInterrupted(store, p => log.Warn("queue", "ledger problem", new { path = p.Target, line = p.Line })))
            {
                log.Warn("queue", "run interrupted by a crash", new { runId = closed.RunId, taskId = closed.TaskId });
                if (queued.Remove(closed.RunId, out var entry) && RetryOnInterrupt(store, closed.TaskId))
                {
                    var retry = new QueueEntry { RunId = RunLedger.NewRunId(), Workspace = workspace, TaskId = closed.TaskId, TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
                    queued[retry.RunId] = retry;
                    order.Add(retry.RunId);
                    new RunLedger(store.LedgerPath).Append(new RunRecord { TsMs = retry.TsMs, RunId = retry.RunId, TaskId = retry.TaskId, Event = RunEvents.Queued, RunnerKind = string.Empty, Status = "queued" });
                }
            }

            var started = StartedRunIds(store);
            foreach (var entry in queued.Values.Where(e => e.Workspace == workspace).ToList())
            {
                if (started.Contains(entry.RunId))
                {
                    queued.Remove(entry.RunId); // it ran (or was interrupted above): never again
                }
            }
        }

        foreach (var runId in order)
        {
            if (queued.TryGetValue(runId, out var entry))
            {
                pending.Add(entry);
            }
        }

        // Compact: the file keeps only what still has to run.
        journal.Rewrite(pending);
        if (pending.Count > 0)
        {
            log.Info("queue", "resuming queued runs", new { count = pending.Count });
        }

        return pending;
    }

    private static HashSet<string> StartedRunIds(TaskStore store)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in new RunLedger(store.LedgerPath).ReadAll())
        {
            if (record.Event != RunEvents.Queued)
            {
                ids.Add(record.RunId);
            }
        }

        return ids;
    }

    private static bool RetryOnInterrupt(TaskStore store, string taskId)
    {
        try
        {
            return store.ReadDocument(taskId).RequeueOnInterrupted;
        }
        catch (Exception ex) when (ex is MsgcodeException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }
}
