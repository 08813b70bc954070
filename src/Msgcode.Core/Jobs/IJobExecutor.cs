using Msgcode.Core.Errors;

namespace Msgcode.Core.Jobs;

/// <summary>Carries out a firing (in the daemon: create or reopen the task, then queue it in the work lanes).</summary>
public interface IJobExecutor
{
    /// <summary>Creates the firing's task (or reopens the task the job runs again); returns its id. Throws <see cref="MsgcodeException"/> when it cannot (workspace gone, task missing...).</summary>
    string Prepare(JobDefinition job, string key);

    /// <summary>Queues a run of the prepared task.</summary>
    JobDispatch Queue(JobDefinition job, string taskId);

    /// <summary>After a restart: the run of <paramref name="taskId"/> queued at or after <paramref name="sinceMs"/>, if the crash came after it was queued.</summary>
    JobDispatch? Find(string workspace, string taskId, long sinceMs);

    /// <summary>Null while the run is queued or running; its outcome once it has ended.</summary>
    JobOutcome? Outcome(JobDispatch dispatch);
}
