using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Daemon;

/// <summary>
/// Carries out a firing through the daemon's work queue. A job that delivers to a chat stamps its target into the
/// task (<see cref="TaskDocument.Delivery"/>), so the chat channel sends the run's result there; a chat whose route
/// is gone at firing time is stamped with the refusal instead: the task still runs and keeps its result, nothing
/// is sent, and the firing's outcome is failed with that ErrorId.
/// </summary>
/// <param name="routeProblem">Why a chat cannot take deliveries now (no active route), or null; unset: every chat can.</param>
internal sealed class QueueJobExecutor(IWorkQueue queue, string homePath, Func<string, MsgcodeException?>? routeProblem) : IJobExecutor
{
    public string Prepare(JobDefinition job, string key)
    {
        var store = new TaskStore(job.Action.Workspace);
        store.RequireWorkspace();
        var delivery = DeliveryOf(job);
        if (job.Action.Kind != JobActionKinds.RunTask)
        {
            var runner = job.Action.Runner ?? store.DefaultRunnerKind(new Config.ConfigSources(new Config.MsgcodeHome(homePath), job.Action.Workspace));
            return store.Create(Expand(job.Action.Title ?? job.Name, job, key), Expand(job.Action.Prompt ?? string.Empty, job, key), runner, job.Action.Model,
                customize: d => d.Delivery = delivery).Id;
        }

        var taskId = store.Resolve(job.Action.TaskId ?? string.Empty);
        store.Update(taskId, d =>
        {
            var changed = d.Delivery != delivery;
            d.Delivery = delivery; // this firing's target (none when the job stopped delivering)
            if (d.Status is not (TaskStatuses.Done or TaskStatuses.Canceled))
            {
                return changed;
            }

            d.Status = TaskStatuses.Open; // "run it again" is the job's purpose: reopen a finished task
            return true;
        });
        return taskId;
    }

    /// <summary>What the firing's task carries: the job's chat, or the reason nothing can be sent there now.</summary>
    private TaskDelivery? DeliveryOf(JobDefinition job)
    {
        if (job.Delivery.Mode != JobDelivery.Chat || string.IsNullOrEmpty(job.Delivery.ChatGuid))
        {
            return null;
        }

        var delivery = new TaskDelivery(job.Delivery.ChatGuid, job.Delivery.On ?? TaskDelivery.OnAnswer, job.Id, job.Name);
        return routeProblem?.Invoke(delivery.ChatGuid) is { } problem ? delivery with { ErrorId = problem.ErrorId, ErrorMessage = problem.Message } : delivery;
    }

    public JobDispatch Queue(JobDefinition job, string taskId)
    {
        var run = queue.EnqueueAsync(job.Action.Workspace, taskId).GetAwaiter().GetResult(); // answered once the entry is fsynced, as the synchronous append was
        return new JobDispatch(run.Workspace ?? job.Action.Workspace, taskId, run.RunId);
    }

    public JobDispatch? Find(string workspace, string taskId, long sinceMs)
    {
        if (!Directory.Exists(workspace))
        {
            return null;
        }

        // The workspace's ledger (queued hint, started, outcome) ...
        var store = new TaskStore(workspace);
        var run = new RunLedger(store.LedgerPath).ReadAll().Where(r => r.TaskId == taskId && r.TsMs >= sinceMs).Select(r => r.RunId).FirstOrDefault();
        if (run is not null)
        {
            return new JobDispatch(store.Workspace, taskId, run);
        }

        // ... or the daemon's queue, read only: a run queued whose ledger hint was never written.
        foreach (var (entry, _) in QueueJournal.ReadFile(QueueJournal.PathIn(homePath)))
        {
            if (entry is { Op: "queued" } && entry.TaskId == taskId && entry.TsMs >= sinceMs)
            {
                return new JobDispatch(store.Workspace, taskId, entry.RunId);
            }
        }

        return null;
    }

    /// <summary>The template's placeholders: {{jobId}}, {{jobName}} and {{key}} (the firing's idempotency key).</summary>
    internal static string Expand(string template, JobDefinition job, string key)
        => template.Replace("{{key}}", key, StringComparison.Ordinal).Replace("{{jobId}}", job.Id, StringComparison.Ordinal).Replace("{{jobName}}", job.Name, StringComparison.Ordinal);

    public JobOutcome? Outcome(JobDispatch dispatch)
    {
        if (!Directory.Exists(dispatch.Workspace))
        {
            return new JobOutcome(JobStatuses.Failed, ErrorIds.WorkspaceNotFound, $"The workspace '{dispatch.Workspace}' disappeared before the run ended.");
        }

        var store = new TaskStore(dispatch.Workspace);
        var ledger = new RunLedger(store.LedgerPath);
        var run = ledger.NewestRuns(50, dispatch.TaskId).FirstOrDefault(r => r.RunId == dispatch.RunId);
        if (run is null || run.Status is "queued" or "running")
        {
            return null;
        }

        // A delivery refused at firing time fails the firing, although the task ran: its result is kept in the task.
        if (Refused(store, dispatch.TaskId) is { ErrorId: { } errorId } refused)
        {
            return new JobOutcome(JobStatuses.Failed, errorId,
                $"The task {dispatch.TaskId} ran ({run.Status}) and keeps its result, but it was not sent to the chat: {refused.ErrorMessage}");
        }

        return new JobOutcome(run.Status, run.ErrorCode, run.ErrorMessage);
    }

    private static TaskDelivery? Refused(TaskStore store, string taskId)
    {
        try
        {
            return store.ReadDocument(taskId).Delivery;
        }
        catch (MsgcodeException)
        {
            return null; // a task gone or broken: the run's own outcome stands
        }
    }
}
