namespace Msgcode.Core.Daemon;

/// <summary>
/// The daemon's test hooks, read in this one place from the environment the daemon starts with. Each one only
/// makes a fault that a test needs happen at a chosen moment; none is set in normal use.
/// </summary>
public sealed record DaemonTestHooks
{
    /// <summary>MSGCODE_TEST_JOBS_KILL_AT: the jobs component kills the daemon at this step (fired, prepared, enqueued or queued).</summary>
    public string? JobsKillAt { get; init; }

    /// <summary>MSGCODE_TEST_REPLY_KILL_AT: the channel kills the daemon when it sends a run's result, right after its mark is durable (sending) or right after imsg confirmed the send (sent).</summary>
    public string? ReplyKillAt { get; init; }

    /// <summary>MSGCODE_TEST_CHANNEL_HOLD_CURSOR=1: plain messages' cursors are not moved (a crash after a task is made).</summary>
    public bool ChannelHoldCursor { get; init; }

    /// <summary>MSGCODE_TEST_IGNORE_SIGTERM=1: SIGTERM is logged and ignored (a daemon that will not stop).</summary>
    public bool IgnoreSigterm { get; init; }

    /// <summary>No hook set.</summary>
    public static DaemonTestHooks None { get; } = new();

    public static DaemonTestHooks FromEnvironment(Func<string, string?> variable) => new()
    {
        JobsKillAt = variable("MSGCODE_TEST_JOBS_KILL_AT") is { Length: > 0 } at ? at : null,
        ReplyKillAt = variable("MSGCODE_TEST_REPLY_KILL_AT") is { Length: > 0 } step ? step : null,
        ChannelHoldCursor = variable("MSGCODE_TEST_CHANNEL_HOLD_CURSOR") == "1",
        IgnoreSigterm = variable("MSGCODE_TEST_IGNORE_SIGTERM") == "1",
    };
}
