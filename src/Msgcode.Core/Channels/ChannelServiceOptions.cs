using Msgcode.Core.Daemon;

namespace Msgcode.Core.Channels;

/// <summary>How <see cref="ChannelService"/> is made: its transport, the memory seam, the reply length, a test hook.</summary>
public sealed record ChannelServiceOptions
{
    /// <summary>Makes the transport; by default the imsg channel from the imsg.path setting.</summary>
    public Func<DaemonContext, IChatChannel?>? ChannelFactory { get; init; }

    /// <summary>
    /// The memory seam: given the workspace and the message text, returns context to put before the message in the
    /// task's prompt (such as the top matches of the workspace's memory), or null for none. Unset: no context.
    /// </summary>
    public Func<string, string, string?>? PromptContext { get; init; }

    /// <summary>
    /// The daemon's options: chat prompts get the workspace's memory (memory.inject, memory.injectTop and
    /// memory.injectMaxChars, read per message from the workspace's configuration, so a change applies at once).
    /// </summary>
    public static ChannelServiceOptions WithMemory(Config.MsgcodeHome home) => new()
    {
        PromptContext = (workspace, text) => Memory.MemoryInjection.From(Config.ConfigResolver.ResolveCached(new Config.ConfigSources(home, workspace))).ContextFor(workspace, text),
    };

    /// <summary>The daemon's job scheduler, which the chat's /reload asks to read jobs.json now (null: no jobs to reload).</summary>
    public JobsComponent? Jobs { get; init; }

    /// <summary>Longest text sent back in one reply; the rest stays in the task's output artifact.</summary>
    public int MaxReplyChars { get; init; } = 4000;

    /// <summary>
    /// Test hook (environment MSGCODE_TEST_CHANNEL_HOLD_CURSOR=1): plain messages' cursors are never written, as if
    /// the daemon were always killed before they land, so that a restart takes those messages again.
    /// </summary>
    public bool TestHoldCursor { get; init; }

    /// <summary>
    /// Test hook (environment MSGCODE_TEST_REPLY_KILL_AT = sending or sent): the daemon kills itself right after a
    /// result's mark is durable (before the send) or right after the transport confirmed the send (before the
    /// confirmation is recorded), to test exactly-once sending across a crash at that moment.
    /// </summary>
    public string? TestReplyKillAt { get; init; }
}
