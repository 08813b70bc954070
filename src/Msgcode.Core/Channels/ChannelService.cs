using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Channels;

/// <summary>
/// The daemon's message channel: messages in, tasks out. Each inbound message is checked against the
/// per-chat cursor (a message at or below it was handled before), the whitelist (and owner-only mode in
/// groups), then either answered as a chat command or turned into a task in the chat's workspace and queued
/// in that workspace's lane. The cursor advances after the message is handled, ignored or rejected, in order:
/// a plain message's queue entry and cursor become durable off the intake's path (the next message is taken
/// meanwhile, and a later cursor write covers the earlier ones), a command's before the next message. Results
/// come back through <see cref="WorkQueue.RunEnded"/> and are sent to the chat once (the task records the run
/// it replied for). Message and reply text never reach the log: length and a SHA-256 prefix instead.
/// A message that cannot be handled because of a local fault (routes.json unreadable or corrupt, a task that
/// cannot be written) is kept, never dropped: its chat's cursor stays before it (state.json marks the chat, so a
/// start subscribes from before it), the chat's later messages wait behind it in order, the sender is told once
/// per outage, and the kept messages are tried again when routes.json changes, on a timer with back-off, with
/// the chat's next message, and after a restart.
/// This class wires the parts and runs them: <see cref="ChatIntake"/> (with <see cref="ChatCursors"/>,
/// <see cref="SenderPolicy"/> and <see cref="KeptMessages"/>), <see cref="ChatReplies"/>, and the chat commands.
/// </summary>
public sealed partial class ChannelService : IDaemonComponent
{
    public const string AckText = "Working on it…";

    /// <summary>The first wait before kept messages are tried again; doubled after each try up to <see cref="MaxRetry"/>.</summary>
    public static readonly TimeSpan MinRetry = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    /// <summary>How long routes.json must be left alone after a change before kept messages are tried again.</summary>
    public static readonly TimeSpan RoutesSettle = TimeSpan.FromMilliseconds(300);

    private readonly IWorkQueue _queue;
    private readonly ChannelServiceOptions _options;
    private readonly ConcurrentDictionary<string, string> _pending = new(StringComparer.Ordinal); // taskId -> chat, until replied
    private DaemonContext? _context;
    private IChatChannel? _channel;
    private RouteStore? _routes;
    private CancellationTokenSource? _stopping;
    private ChatReplies? _replies;
    private ChatIntake? _intake;

    public ChannelService(IWorkQueue queue, ChannelServiceOptions? options = null)
    {
        _queue = queue;
        _options = options ?? new ChannelServiceOptions();
    }

    public string Name => "channel";

    /// <summary>The transport, once started (null when the channel is off).</summary>
    public IChatChannel? Channel => _channel;

    public async Task StartAsync(DaemonContext context, CancellationToken stopping)
    {
        _context = context;
        var cursorStore = new ChatCursorStore(context.Home);
        _routes = new RouteStore(context.Home);
        _channel = _options.ChannelFactory is { } factory ? factory(context) : DefaultChannel(context);
        if (_channel is null)
        {
            context.Log.Info("channel", "channel off: imsg.path is not set");
            return;
        }

        _stopping = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var replies = _replies = new ChatReplies(context, _channel, _routes, _pending, _options.MaxReplyChars, _stopping.Token, new ChatVoice(context, _queue.Runners), _options.TestReplyKillAt);
        var intake = _intake = new ChatIntake(context, _queue, _routes, new ChatCursors(context, cursorStore, _options.TestHoldCursor), replies, _options.PromptContext, CommandAsync, _stopping.Token);
        intake.LoadCursors();
        _queue.RunEnded += replies.OnRunEnded;
        try
        {
            await _channel.StartAsync(intake.Resume, intake.HandleAsync, _stopping.Token).ConfigureAwait(false);
        }
        catch (MsgcodeException ex)
        {
            context.Log.Error("channel", "channel did not start", new { errorId = ex.ErrorId, path = ex.Target?.ToString() });
            return;
        }

        context.Log.Info("channel", "channel started", new { transport = _channel.Name, chats = intake.Cursors.Count, sinceRowid = intake.Resume().SinceRowid, keptChats = intake.Kept.Count });
        _ = Task.Run(() => replies.ReplyUnansweredAsync(_stopping.Token));
        intake.Kept.WatchRoutes();
        _ = Task.Run(() => intake.Kept.RetryKeptLoopAsync(_stopping.Token));
    }

    public async Task StopAsync(DateTimeOffset deadline)
    {
        if (_replies is not null)
        {
            _queue.RunEnded -= _replies.OnRunEnded;
        }

        _intake?.Kept.StopWatchingRoutes();
        if (_stopping is not null)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_channel is not null)
        {
            await _channel.DisposeAsync().ConfigureAwait(false);
        }

        // The last messages' queue entries and cursors, still being made durable: let them land (never faults).
        var left = deadline - DateTimeOffset.UtcNow;
        await Task.WhenAny(_intake?.Cursors.Tail ?? Task.CompletedTask, Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero)).ConfigureAwait(false);
    }

    public void Describe(DaemonRuntimeInfo info)
    {
    }

    private static ImsgChannel? DefaultChannel(DaemonContext context)
    {
        var path = context.Config.GetString("imsg.path");
        return string.IsNullOrWhiteSpace(path) ? null : new ImsgChannel(new ImsgChannelOptions { ImsgPath = MsgcodeHome.ExpandHome(path), Log = context.Log });
    }

    /// <summary>Sends text to a chat (a chat command's answer); a failure of the transport is logged, not thrown.</summary>
    private Task ReplyAsync(string chat, string text) => _replies!.ReplyAsync(chat, text);

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^/(?<name>[A-Za-z][\w-]*)(?:\s+(?<args>.*))?$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex CommandPattern();
}
