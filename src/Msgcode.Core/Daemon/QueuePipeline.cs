using Msgcode.Core.Errors;

namespace Msgcode.Core.Daemon;

/// <summary>
/// Queues a stream of runs over one connection without waiting for each answer before sending the next: the
/// daemon fsyncs the queue entries that arrive together once (group commit), so a pipeline of tasks costs a
/// few fsyncs instead of one per task. Answers come back in the order the runs were submitted; each one is
/// the daemon's word that its run's queue entry is durable.
/// </summary>
public sealed class QueuePipeline : IDisposable
{
    /// <summary>Requests in flight before <see cref="Submit"/> waits for the oldest answer.</summary>
    public const int MaxInFlight = 64;

    private readonly DaemonController.QueueConnection _connection;
    private readonly CancellationToken _cancellationToken;
    private readonly Queue<(string TaskId, Task<TaskRunInfoQueued> Reply)> _inFlight = new();

    public QueuePipeline(DaemonController.QueueConnection connection, CancellationToken cancellationToken)
    {
        _connection = connection;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Sends a request; returns the answers that are in by now (oldest first), waiting only while too many are in flight.</summary>
    public IReadOnlyList<QueueReply> Submit(string workspace, string taskId, QueueRunOptions? run = null)
    {
        _inFlight.Enqueue((taskId, _connection.QueueAsync(workspace, taskId, run, _cancellationToken)));
        return Take(waitForAll: false);
    }

    /// <summary>Waits for every answer still outstanding; returns them oldest first.</summary>
    public IReadOnlyList<QueueReply> Complete() => Take(waitForAll: true);

    public void Dispose() => _connection.Dispose();

    private List<QueueReply> Take(bool waitForAll)
    {
        var replies = new List<QueueReply>();
        while (_inFlight.Count > 0 && (waitForAll || _inFlight.Count > MaxInFlight || _inFlight.Peek().Reply.IsCompleted))
        {
            var (taskId, reply) = _inFlight.Dequeue();
            try
            {
                replies.Add(new QueueReply(taskId, reply.GetAwaiter().GetResult().Run, null));
            }
            catch (MsgcodeException ex)
            {
                replies.Add(new QueueReply(taskId, null, ex));
            }
        }

        return replies;
    }
}
