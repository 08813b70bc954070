using Msgcode.Core.Runners;
using Msgcode.Core.Runs;

namespace Msgcode.Core.Daemon;

/// <summary>
/// The daemon's queue of runs as its other components use it (the channel service, the job scheduler): queue a
/// run, ask whether a task's run is held, stop a run, read the lanes, hear when a queued run has ended.
/// <see cref="WorkQueue"/> is the queue.
/// </summary>
public interface IWorkQueue
{
    /// <summary>Raised when a queued run has ended (on a worker thread; handlers must not block).</summary>
    event EventHandler<RunEndedEventArgs>? RunEnded;

    /// <summary>
    /// Queues a run of a task. The returned task completes once the queue entry is fsynced (it shares the fsync
    /// with whatever else the daemon appended meanwhile), so a caller told "queued" holds a durable promise.
    /// Runs are handed to their lanes in the order they were queued, whatever order the fsyncs complete in.
    /// </summary>
    Task<TaskRunInfo> EnqueueAsync(string workspace, string taskIdOrPrefix, QueueRunOptions? run = null);

    /// <summary>Whether a run of the task waits in a lane, runs, or is being committed (after a start: recovered from queue.jsonl).</summary>
    bool HoldsRunOf(string workspace, string taskId);

    /// <summary>Stops a running run (a user's stop, recorded as canceled). False when it is not running here.</summary>
    bool Cancel(string runId);

    /// <summary>The runners the queue runs with now (the registry is asked again each time: an edited capabilities.json applies).</summary>
    RunnerRegistry Runners { get; }

    /// <summary>Adds the lanes that hold work (queued and running) and their totals to <paramref name="info"/>.</summary>
    void Describe(DaemonRuntimeInfo info);
}
