using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using Msgcode.Core.Runners;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Channels;

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

    /// <summary>Longest text sent back in one reply; the rest stays in the task's output artifact.</summary>
    public int MaxReplyChars { get; init; } = 4000;

    /// <summary>
    /// Test hook (environment MSGCODE_TEST_CHANNEL_HOLD_CURSOR=1): plain messages' cursors are never written, as if
    /// the daemon were always killed before they land, so that a restart takes those messages again.
    /// </summary>
    public bool TestHoldCursor { get; init; }
}

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
/// </summary>
public sealed partial class ChannelService : IDaemonComponent
{
    public const string AckText = "Working on it…";

    /// <summary>The first wait before kept messages are tried again; doubled after each try up to <see cref="MaxRetry"/>.</summary>
    public static readonly TimeSpan MinRetry = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    /// <summary>How long routes.json must be left alone after a change before kept messages are tried again.</summary>
    public static readonly TimeSpan RoutesSettle = TimeSpan.FromMilliseconds(300);

    /// <summary>The faults of this machine's files that keep a message for later instead of dropping it.</summary>
    private static readonly HashSet<string> LocalFaults = new(StringComparer.Ordinal)
    {
        ErrorIds.RoutesFileCorrupt, ErrorIds.WorkspaceNotWritable, ErrorIds.FileWriteFailed, ErrorIds.DiskFull,
    };

    private readonly WorkQueue _queue;
    private readonly ChannelServiceOptions _options;
    private readonly ConcurrentDictionary<string, long> _cursors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _pending = new(StringComparer.Ordinal); // taskId -> chat, until replied
    /// <summary>Per chat, after its first message since the start: the chat's tasks made before the start, by message row id.</summary>
    private readonly Dictionary<string, Dictionary<long, TaskInfo>> _earlierTasks = new(StringComparer.Ordinal);
    /// <summary>Chats whose cursor stays where it is until the next start (a message could not be queued: the daemon was stopping).</summary>
    private readonly ConcurrentDictionary<string, byte> _cursorHeld = new(StringComparer.Ordinal);
    /// <summary>Per chat, the row id of the latest message handed to the cursor chain.</summary>
    private readonly ConcurrentDictionary<string, long> _cursorWanted = new(StringComparer.Ordinal);
    /// <summary>Completes when every message handled so far is queued (durably) and its cursor written; never faults.</summary>
    private Task _intakeTail = Task.CompletedTask;
    /// <summary>One message at a time: the channel's messages and the retries of kept ones.</summary>
    private readonly SemaphoreSlim _intakeGate = new(1, 1);
    /// <summary>Per chat with a local fault: its oldest kept row id and the messages kept in this process (changed under the intake gate).</summary>
    private readonly ConcurrentDictionary<string, KeptChat> _kept = new(StringComparer.Ordinal);
    /// <summary>Chats told that their messages' queue entries cannot be written, until one is.</summary>
    private readonly ConcurrentDictionary<string, byte> _queueFaultTold = new(StringComparer.Ordinal);
    /// <summary>Released when routes.json changes: kept messages are tried again at once.</summary>
    private readonly SemaphoreSlim _retryWake = new(0, int.MaxValue);
    private FileSystemWatcher? _routesWatcher;
    private readonly SemaphoreSlim _replyGate = new(1, 1);
    private DaemonContext? _context;
    private IChatChannel? _channel;
    private ChatCursorStore? _cursorStore;
    private RouteStore? _routes;
    private CancellationTokenSource? _stopping;
    private long _inbound;
    private long _lastInboundAtMs;

    public ChannelService(WorkQueue queue, ChannelServiceOptions? options = null)
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
        _cursorStore = new ChatCursorStore(context.Home);
        _routes = new RouteStore(context.Home);
        _channel = _options.ChannelFactory is { } factory ? factory(context) : DefaultChannel(context);
        if (_channel is null)
        {
            context.Log.Info("channel", "channel off: imsg.path is not set");
            return;
        }

        try
        {
            foreach (var (chat, cursor) in _cursorStore.ReadAll())
            {
                _cursors[chat] = cursor.LastSeenRowid;
                if (cursor.KeptFromRowid is long kept)
                {
                    // Kept by a daemon before this one (its sender was told): the subscription starts before it.
                    _kept[chat] = new KeptChat(kept);
                }
            }
        }
        catch (MsgcodeException ex)
        {
            context.Log.Error("channel", "cursors unreadable; subscribing from a minute ago", new { errorId = ex.ErrorId, path = ex.Target?.ToString() });
        }

        _stopping = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _queue.RunEnded += OnRunEnded;
        try
        {
            await _channel.StartAsync(Resume, HandleAsync, _stopping.Token).ConfigureAwait(false);
        }
        catch (MsgcodeException ex)
        {
            context.Log.Error("channel", "channel did not start", new { errorId = ex.ErrorId, path = ex.Target?.ToString() });
            return;
        }

        context.Log.Info("channel", "channel started", new { transport = _channel.Name, chats = _cursors.Count, sinceRowid = Resume().SinceRowid, keptChats = _kept.Count });
        _ = Task.Run(() => ReplyUnansweredAsync(_stopping.Token));
        WatchRoutes(context);
        _ = Task.Run(() => RetryKeptLoopAsync(_stopping.Token));
    }

    /// <summary>A change of routes.json (a repair) wakes the retry of kept messages; the timer catches what a watcher misses.</summary>
    private void WatchRoutes(DaemonContext context)
    {
        try
        {
            _routesWatcher = new FileSystemWatcher(context.Home.Path, Path.GetFileName(context.Home.RoutesFile))
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            _routesWatcher.Changed += (_, _) => _retryWake.Release();
            _routesWatcher.Created += (_, _) => _retryWake.Release();
            _routesWatcher.Renamed += (_, _) => _retryWake.Release();
            _routesWatcher.EnableRaisingEvents = true;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            context.Log.Warn("channel", "no file watcher on routes.json; kept messages are tried again on a timer", new { error = Truncate(ex.Message) });
        }
    }

    public async Task StopAsync(DateTimeOffset deadline)
    {
        _queue.RunEnded -= OnRunEnded;
        _routesWatcher?.Dispose();
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
        await Task.WhenAny(_intakeTail, Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero)).ConfigureAwait(false);
    }

    public void Describe(DaemonRuntimeInfo info)
    {
    }

    private static ImsgChannel? DefaultChannel(DaemonContext context)
    {
        var path = context.Config.GetString("imsg.path");
        return string.IsNullOrWhiteSpace(path) ? null : new ImsgChannel(new ImsgChannelOptions { ImsgPath = MsgcodeHome.ExpandHome(path), Log = context.Log });
    }

    /// <summary>
    /// Where a (re)subscription starts: after the highest cursor (row ids are global), but before the oldest kept
    /// message (the chats' cursors drop what was handled), else a minute ago.
    /// </summary>
    private SubscriptionStart Resume()
    {
        var max = _cursors.IsEmpty ? 0 : _cursors.Values.Max();
        var kept = _kept.Values.Select(k => (long?)k.FromRowid - 1).Min();
        if (kept is long before)
        {
            return new SubscriptionStart(Math.Max(0, max > 0 ? Math.Min(max, before) : before), null);
        }

        return max > 0 ? new SubscriptionStart(max, null) : new SubscriptionStart(null, DateTimeOffset.UtcNow.AddSeconds(-60));
    }

    private static string ChatTag(string chat) => chat.Length <= 6 ? chat : chat[^6..];

    /// <summary>Handles one inbound message; called one at a time, in arrival order.</summary>
    internal async Task HandleAsync(InboundMessage message)
    {
        var log = _context!.Log;
        await _intakeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_cursors.TryGetValue(message.ChatGuid, out var cursor) && message.Rowid <= cursor)
            {
                log.Debug("channel", "already handled", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid });
                return;
            }

            if (_kept.TryGetValue(message.ChatGuid, out var kept) && kept.Messages.Count > 0)
            {
                if (message.Rowid <= kept.Messages[^1].Rowid)
                {
                    log.Debug("channel", "already kept", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid });
                    return;
                }

                // Behind the chat's kept messages, in order; they go first if the fault is gone.
                CountInbound();
                kept.Messages.Add(message);
                var digest = TextDigest.Of(message.Text);
                log.Info("channel", "message kept", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, textLen = digest.Length, textSha = digest.Sha, status = "kept", behind = kept.Messages[0].Rowid });
                await RetryKeptAsync(message.ChatGuid).ConfigureAwait(false);
                return;
            }

            CountInbound();
            if (await HandleOneAsync(message, retry: false).ConfigureAwait(false) && _kept.TryGetValue(message.ChatGuid, out var ended) && ended.Messages.Count == 0)
            {
                _kept.TryRemove(message.ChatGuid, out _); // kept by the daemon before, handled now: the cursor write drops the mark
            }
        }
        finally
        {
            _intakeGate.Release();
        }
    }

    private void CountInbound()
    {
        Interlocked.Increment(ref _inbound);
        Interlocked.Exchange(ref _lastInboundAtMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>
    /// Handles one message (under the intake gate). Returns false when a local fault kept it: then nothing about it
    /// moved, and it is tried again later (<paramref name="retry"/>: it is already the chat's first kept message).
    /// </summary>
    private async Task<bool> HandleOneAsync(InboundMessage message, bool retry)
    {
        var log = _context!.Log;
        var digest = TextDigest.Of(message.Text);
        string outcome;
        var queued = Task.CompletedTask;
        try
        {
            (outcome, queued) = await ProcessAsync(message).ConfigureAwait(false);
        }
        catch (MsgcodeException ex) when (LocalFaults.Contains(ex.ErrorId))
        {
            await KeepAsync(message, ex, retry).ConfigureAwait(false);
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            outcome = "errored";
            log.Error("channel", "message failed", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
        }

        // Handled, ignored, rejected or errored: never again. The cursor moves once the message's queue entry is
        // durable and every earlier message's cursor has moved (after a crash in between, the message comes again
        // and finds its task: see QueueMessage).
        _cursorWanted[message.ChatGuid] = message.Rowid;
        var written = AdvanceCursorAfterAsync(_intakeTail, queued, message.ChatGuid, message.Rowid);
        _intakeTail = written;
        _cursors.AddOrUpdate(message.ChatGuid, message.Rowid, (_, old) => Math.Max(old, message.Rowid));
        log.Info("channel", "message " + outcome, new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, textLen = digest.Length, textSha = digest.Sha, status = outcome, retry });
        if (outcome == "queued")
        {
            return true; // the next message is taken while this one's queue entry and cursor become durable
        }

        await written.ConfigureAwait(false); // a command (or anything else) is never handled twice: its cursor is on disk first
        return true;
    }

    /// <summary>
    /// Keeps a message a local fault stopped: its chat's cursor stays before it, state.json marks the chat (a start
    /// subscribes from before it), and the sender is told once per outage.
    /// </summary>
    private async Task KeepAsync(InboundMessage message, MsgcodeException fault, bool retry)
    {
        var log = _context!.Log;
        var chat = message.ChatGuid;
        if (fault.ErrorId != ErrorIds.RoutesFileCorrupt)
        {
            lock (_earlierTasks)
            {
                _earlierTasks.Remove(chat); // the next try looks for a task half made by this one
            }
        }

        if (retry)
        {
            log.Debug("channel", "kept message still waits", new { chatId = ChatTag(chat), rowid = message.Rowid, errorId = fault.ErrorId });
            return;
        }

        var kept = _kept.GetOrAdd(chat, _ => new KeptChat(message.Rowid) { Told = false });
        kept.Messages.Add(message);
        var digest = TextDigest.Of(message.Text);
        log.Warn("channel", "message kept", new { chatId = ChatTag(chat), rowid = message.Rowid, textLen = digest.Length, textSha = digest.Sha, status = "kept", errorId = fault.ErrorId, path = fault.Target?.ToString() });
        try
        {
            _cursorStore!.Keep(chat, message.Rowid);
        }
        catch (Exception ex)
        {
            // Kept in memory still; a restart before the fault is fixed may then start after it.
            log.Error("channel", "kept mark not saved", new { chatId = ChatTag(chat), rowid = message.Rowid, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
        }

        if (!kept.Told)
        {
            kept.Told = true;
            await ReplyAsync(chat, KeptNotice(fault)).ConfigureAwait(false);
        }
    }

    internal static string KeptNotice(MsgcodeException fault) => fault.ErrorId == ErrorIds.RoutesFileCorrupt
        ? $"msgcode cannot read its routes ({fault.ErrorId}); your message is kept and will be handled once routes.json is fixed (Test-MsgcodeDoctor shows what is wrong)."
        : $"msgcode cannot save this chat's task ({fault.ErrorId}); your message is kept and will be handled once that is fixed (Test-MsgcodeDoctor shows what is wrong).";

    /// <summary>Tries a chat's kept messages again, oldest first, until one is kept again (under the intake gate).</summary>
    private async Task RetryKeptAsync(string chat)
    {
        while (_kept.TryGetValue(chat, out var kept) && kept.Messages.Count > 0)
        {
            await RoutesSettledAsync().ConfigureAwait(false);
            if (!await HandleOneAsync(kept.Messages[0], retry: true).ConfigureAwait(false))
            {
                return;
            }

            kept.Messages.RemoveAt(0);
        }

        if (_kept.TryRemove(chat, out _))
        {
            _context!.Log.Info("channel", "kept messages handled", new { chatId = ChatTag(chat) });
        }
    }

    /// <summary>
    /// Returns once routes.json has not been written for <see cref="RoutesSettle"/>: a file being repaired in place
    /// (truncated, then written) must not be read in between, when it would look empty (no routes: "not bound").
    /// </summary>
    private async Task RoutesSettledAsync()
    {
        for (var i = 0; i < 10; i++)
        {
            var age = DateTime.UtcNow - File.GetLastWriteTimeUtc(_context!.Home.RoutesFile); // a missing file: 1601, long ago
            if (age >= RoutesSettle || age < TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(RoutesSettle - age).ConfigureAwait(false);
        }
    }

    private bool HasKeptMessages => _kept.Values.Any(k => k.Messages.Count > 0);

    /// <summary>
    /// Tries kept messages again: when routes.json changes (once it has been quiet for <see cref="RoutesSettle"/>),
    /// else with back-off (1 s doubling to 30 s).
    /// </summary>
    private async Task RetryKeptLoopAsync(CancellationToken stopping)
    {
        var backoff = MinRetry;
        while (!stopping.IsCancellationRequested)
        {
            bool woken;
            try
            {
                woken = await _retryWake.WaitAsync(HasKeptMessages ? backoff : MinRetry, stopping).ConfigureAwait(false);
                while (woken && await _retryWake.WaitAsync(RoutesSettle, stopping).ConfigureAwait(false))
                {
                    // routes.json is still being written (an editor, Set-Content): a file read half-written, or empty
                    // between truncation and write, would route the kept messages wrongly. Wait for quiet.
                }

                if (!HasKeptMessages)
                {
                    backoff = MinRetry;
                    continue;
                }

                await _intakeGate.WaitAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                foreach (var chat in _kept.Keys.ToList())
                {
                    await RetryKeptAsync(chat).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _context!.Log.Error("channel", "kept messages not retried", new { errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                _intakeGate.Release();
            }

            backoff = !HasKeptMessages || woken ? MinRetry : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxRetry.Ticks));
        }
    }

    /// <summary>A chat whose messages wait for a local fault to be fixed.</summary>
    private sealed class KeptChat(long fromRowid)
    {
        /// <summary>The oldest kept row id (marked in state.json).</summary>
        public long FromRowid { get; } = fromRowid;

        /// <summary>Whether the sender was told of this outage (a mark left by the daemon before: it was).</summary>
        public bool Told { get; set; } = true;

        /// <summary>The messages kept by this process, in order (a start's mark alone has none).</summary>
        public List<InboundMessage> Messages { get; } = [];
    }

    /// <summary>
    /// Moves a chat's cursor to <paramref name="rowid"/> once <paramref name="queued"/> has completed (the message's
    /// queue entry is durable, or it failed: a failed message is not taken again either) and <paramref name="previous"/>
    /// (every earlier message's cursor). A later message of the same chat already waiting writes a higher cursor,
    /// which covers this one: this write is then left to it. Never faults.
    /// </summary>
    private async Task AdvanceCursorAfterAsync(Task previous, Task queued, string chat, long rowid)
    {
        try
        {
            await queued.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Logged where the queueing failed; such a message is not taken again, unless the daemon was stopping
            // (a local fault is retried until then): then neither its cursor nor any later one of the chat moves, the
            // chat is marked in state.json (the next start subscribes from before the message, whatever other chats'
            // cursors say), and the next start takes them again (each finds the task made for it).
            if (ex is OperationCanceledException or MsgcodeException { ErrorId: ErrorIds.DaemonNotRunning })
            {
                if (_cursorHeld.TryAdd(chat, 0))
                {
                    try
                    {
                        _cursorStore!.Keep(chat, rowid);
                    }
                    catch (Exception keepFailed)
                    {
                        _context!.Log.Error("channel", "kept mark not saved", new { chatId = ChatTag(chat), rowid, errorId = (keepFailed as MsgcodeException)?.ErrorId, error = Truncate(keepFailed.Message) });
                    }
                }
            }
        }

        await previous.ConfigureAwait(false);
        if (_cursorWanted.TryGetValue(chat, out var wanted) && wanted > rowid || _cursorHeld.ContainsKey(chat)
            || _options.TestHoldCursor && !ReferenceEquals(queued, Task.CompletedTask))
        {
            return;
        }

        try
        {
            _cursorStore!.Advance(chat, rowid);
        }
        catch (Exception ex)
        {
            // Any failure (a state.json broken by hand, a full disk): logged, and the chain goes on (it never faults).
            _context!.Log.Error("channel", "cursor not saved", new { chatId = ChatTag(chat), rowid, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
        }
    }

    private async Task<(string Outcome, Task Queued)> ProcessAsync(InboundMessage message)
    {
        if (message.IsFromMe)
        {
            return ("ignored", Task.CompletedTask);
        }

        var text = (message.Text ?? string.Empty).Trim();
        if (text.Length == 0)
        {
            return ("ignored", Task.CompletedTask);
        }

        var config = _context!.Config;
        if (!IsAllowed(config, message, out var reason))
        {
            _context.Log.Warn("channel", "sender rejected", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, reason, senderSha = TextDigest.Of(message.Sender.ToLowerInvariant()).Sha });
            return ("rejected", Task.CompletedTask);
        }

        if (text.StartsWith('/'))
        {
            await CommandAsync(message, text).ConfigureAwait(false);
            return ("command", Task.CompletedTask);
        }

        var route = _routes!.Find(message.ChatGuid);
        if (route is null || route.Status == RouteStatuses.Archived)
        {
            await ReplyAsync(message.ChatGuid, "This chat is not bound to a workspace. Bind it with /bind <folder> (relative to the workspace root); /help lists the commands.").ConfigureAwait(false);
            return ("unbound", Task.CompletedTask);
        }

        if (route.Status == RouteStatuses.Paused)
        {
            await ReplyAsync(message.ChatGuid, "This chat's route is paused; Set-MsgcodeRoute -Status active resumes it.").ConfigureAwait(false);
            return ("paused", Task.CompletedTask);
        }

        if (!Directory.Exists(route.Workspace))
        {
            await ReplyAsync(message.ChatGuid, $"The workspace of this chat is missing ({route.Workspace}). /bind another folder.").ConfigureAwait(false);
            return ("workspace missing", Task.CompletedTask);
        }

        return QueueMessage(route, message, text);
    }

    /// <summary>Only whitelisted senders; in groups with owner-only mode, only owners.</summary>
    internal static bool IsAllowed(ConfigReport config, InboundMessage message, out string reason)
    {
        var emails = config.GetRaw("whitelist.emails") as string[] ?? [];
        var phones = config.GetRaw("whitelist.phones") as string[] ?? [];
        var owners = config.GetRaw("whitelist.owners") as string[] ?? [];
        if (!Matches(message.Sender, emails.Concat(phones)))
        {
            reason = emails.Length + phones.Length == 0 ? "whitelist empty" : "not whitelisted";
            return false;
        }

        if (message.IsGroup && config.GetBoolean("channel.ownerOnlyInGroup") && !Matches(message.Sender, owners))
        {
            reason = "owner only in groups";
            return false;
        }

        reason = "allowed";
        return true;
    }

    /// <summary>
    /// The same phone number: the same digits when both are written with a country code (+...); when one of them
    /// is written without (a national number), the other may add a country code of 1-3 digits in front. A number
    /// that merely ends with a whitelisted one (+49 15551234567 against +1 555 123 4567) is a different number.
    /// </summary>
    internal static bool PhoneNumbersMatch(string sender, string senderDigits, string handle)
    {
        var handleDigits = new string(handle.Where(char.IsDigit).ToArray());
        if (handleDigits.Length < 7 || senderDigits.Length < 7)
        {
            return false;
        }

        if (handleDigits == senderDigits)
        {
            return true;
        }

        var senderInternational = sender.TrimStart().StartsWith('+');
        var handleInternational = handle.TrimStart().StartsWith('+');
        if (senderInternational && handleInternational)
        {
            return false;
        }

        var (longer, shorter) = senderDigits.Length > handleDigits.Length ? (senderDigits, handleDigits) : (handleDigits, senderDigits);
        var longerIsInternational = senderDigits.Length > handleDigits.Length ? senderInternational : handleInternational;
        return longerIsInternational && longer.Length - shorter.Length <= 3 && longer.EndsWith(shorter, StringComparison.Ordinal);
    }

    private static bool Matches(string sender, IEnumerable<string> handles)
    {
        var s = sender.Trim();
        var sDigits = new string(s.Where(char.IsDigit).ToArray());
        foreach (var handle in handles.Select(h => h.Trim()).Where(h => h.Length > 0))
        {
            if (string.Equals(s, handle, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (!handle.Contains('@') && !s.Contains('@') && PhoneNumbersMatch(s, sDigits, handle))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A plain message → a task in the chat's workspace, queued in its lane; returns once the task exists and its
    /// queue entry is written, with the entry's commit (fsync) still under way. Idempotent across a crash: a
    /// message that comes again after a start (its cursor had not moved yet) finds the task made for it.
    /// </summary>
    private (string Outcome, Task Queued) QueueMessage(ChatRoute route, InboundMessage message, string text)
    {
        var store = new TaskStore(route.Workspace);
        TaskInfo? task = null;
        Dictionary<long, TaskInfo>? earlier;
        lock (_earlierTasks)
        {
            if (!_earlierTasks.TryGetValue(message.ChatGuid, out earlier))
            {
                // The chat's first message since the start: the tasks a daemon before this one made from its messages.
                earlier = new Dictionary<long, TaskInfo>();
                foreach (var t in store.List().Where(t => t.ChatGuid == message.ChatGuid))
                {
                    if (RowidOf(t.Document) is long rowid)
                    {
                        earlier[rowid] = t;
                    }
                }

                _earlierTasks[message.ChatGuid] = earlier;
            }
        }

        if (earlier.Remove(message.Rowid, out var made))
        {
            task = made;
            // Queued before the crash: its queue entry was recovered at start, or its run has records in the ledger.
            // (The ledger's queued line is only a hint, written apart from the queue entry: a run counts once it started.)
            if (_queue.HoldsRunOf(store.Workspace, task.Id) || new RunLedger(store.LedgerPath).ReadAll().Any(r => r.TaskId == task.Id && r.Event != RunEvents.Queued))
            {
                return ("queued before", Task.CompletedTask);
            }
        }

        if (task is null)
        {
            var runner = route.Runner ?? store.DefaultRunnerKind(new ConfigSources(_context!.Home, route.Workspace));
            var prompt = text;
            var context = _options.PromptContext?.Invoke(route.Workspace, text);
            if (!string.IsNullOrWhiteSpace(context))
            {
                prompt = context.TrimEnd() + "\n\n" + text;
            }

            task = store.Create(Title(text), prompt, runner, chatGuid: message.ChatGuid, customize: d =>
            {
                ((JsonObject)d.Root["route"]!)["rowid"] = message.Rowid;
                d.ContinuesChatSession = true; // the chat is one conversation with its agent, until a /new
                d.Root["retry"] = new JsonObject { ["onInterrupted"] = "requeue" }; // a crash mid-run runs it again, so the chat gets its answer
            });
        }

        _pending[task.Id] = message.ChatGuid;
        var taskId = task.Id;
        var queued = LogQueuedAsync(_queue.EnqueueAsync(route.Workspace, taskId), route.Workspace, message, taskId);
        var delay = _context!.Config.GetInt64("channel.ackDelayMs");
        if (delay >= 0)
        {
            _ = AcknowledgeLaterAsync(taskId, message.ChatGuid, TimeSpan.FromMilliseconds(delay));
        }

        return ("queued", queued);
    }

    /// <summary>
    /// Waits for a message's queue entry to be durable and logs it (or why it was not queued). An entry a local fault
    /// kept from being written (a full disk) is written again with back-off, the task being made: meanwhile no cursor
    /// moves (the chain waits), the sender is told once, and a stop leaves the cursor for the next start.
    /// </summary>
    private async Task LogQueuedAsync(Task<TaskRunInfo> enqueued, string workspace, InboundMessage message, string taskId)
    {
        var backoff = MinRetry;
        while (true)
        {
            try
            {
                var run = await enqueued.ConfigureAwait(false);
                _queueFaultTold.TryRemove(message.ChatGuid, out _);
                _context!.Log.Info("channel", "task queued", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, taskId, runId = run.RunId });
                return;
            }
            catch (MsgcodeException ex) when (LocalFaults.Contains(ex.ErrorId) && _stopping is { IsCancellationRequested: false })
            {
                _context!.Log.Warn("channel", "queue entry not written; kept", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, taskId, errorId = ex.ErrorId, retryMs = (long)backoff.TotalMilliseconds });
                if (_queueFaultTold.TryAdd(message.ChatGuid, 0))
                {
                    await ReplyAsync(message.ChatGuid, KeptNotice(ex)).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                _pending.TryRemove(taskId, out _);
                _context!.Log.Error("channel", "message failed", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, taskId, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
                throw;
            }

            await Task.Delay(backoff, _stopping!.Token).ConfigureAwait(false); // cancelled: the cursor stays for the next start
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxRetry.Ticks));
            enqueued = _queue.EnqueueAsync(workspace, taskId);
        }
    }

    private static long? RowidOf(TaskDocument? document) => document?.Root["route"]?["rowid"] is JsonValue v && v.TryGetValue<long>(out var r) ? r : null;

    private static string Title(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length <= 60 ? line : line[..59] + "…";
    }

    private async Task AcknowledgeLaterAsync(string taskId, string chat, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stopping!.Token).ConfigureAwait(false);
            if (_pending.ContainsKey(taskId))
            {
                await ReplyAsync(chat, AckText).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnRunEnded(object? sender, RunEndedEventArgs e) => _ = Task.Run(() => DeliverResultAsync(e.Workspace, e.TaskId, e.RunId, e.Status, e.ErrorCode, e.ErrorMessage, e.Artifacts));

    /// <summary>Sends a run's result to its chat, once: the task records the run it replied for.</summary>
    private async Task DeliverResultAsync(string workspace, string taskId, string runId, string status, string? errorCode, string? errorMessage, IReadOnlyList<string> artifacts)
    {
        var log = _context!.Log;
        await _replyGate.WaitAsync().ConfigureAwait(false);
        try
        {
            var store = new TaskStore(workspace);
            TaskDocument document;
            try
            {
                document = store.ReadDocument(taskId);
            }
            catch (MsgcodeException)
            {
                return;
            }

            var chat = _pending.TryGetValue(taskId, out var c) ? c : document.ChatGuid;
            if (chat is null || (string?)document.Root["route"]?["repliedRunId"] == runId)
            {
                return;
            }

            string? text = null;
            string? file = null;
            switch (status)
            {
                case RunStatuses.Succeeded:
                    (text, file) = ComposeResult(workspace, artifacts, _options.MaxReplyChars);
                    if (text.Length == 0 && file is null)
                    {
                        text = $"Done ({taskId}), no output.";
                    }

                    break;
                case RunStatuses.Canceled:
                    break; // the /stop that canceled it has answered
                case RunEvents.Interrupted:
                    text = $"Task {taskId} was interrupted; it runs again when the daemon is back.";
                    break;
                default:
                    text = $"Task {taskId} {status}{(errorCode is null ? string.Empty : $" ({errorCode})")}: {Truncate(errorMessage ?? string.Empty)}";
                    break;
            }

            if (text is not null || file is not null)
            {
                await SendAsync(chat, text ?? string.Empty, file).ConfigureAwait(false);
            }

            _pending.TryRemove(taskId, out _);
            store.Update(taskId, d =>
            {
                if (d.Root["route"] is not JsonObject route)
                {
                    route = [];
                    d.Root["route"] = route;
                }

                route["repliedRunId"] = runId;
                return true;
            }, durable: false);
            var digest = TextDigest.Of(text);
            log.Info("channel", "result sent", new { chatId = ChatTag(chat), taskId, runId, status, textLen = digest.Length, textSha = digest.Sha, file = file is not null });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.Error("channel", "result not sent", new { taskId, runId, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
        }
        finally
        {
            _replyGate.Release();
        }
    }

    /// <summary>After a start: results of chat tasks that finished while no reply could be sent (a crash in between).</summary>
    private async Task ReplyUnansweredAsync(CancellationToken stopping)
    {
        try
        {
            var since = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds();
            foreach (var workspace in _routes!.List().Where(r => r.Status != RouteStatuses.Archived).Select(r => r.Workspace).Distinct(StringComparer.Ordinal).Where(Directory.Exists))
            {
                var store = new TaskStore(workspace);
                var candidates = store.List().Where(t => t.ChatGuid is not null && t.UpdatedAtMs >= since && t.Status is TaskStatuses.Done or TaskStatuses.Blocked && RowidOf(t.Document) is not null).ToList();
                if (candidates.Count == 0)
                {
                    continue;
                }

                var ledger = new RunLedger(store.LedgerPath);
                foreach (var task in candidates)
                {
                    stopping.ThrowIfCancellationRequested();
                    var last = ledger.NewestRuns(1, task.Id).FirstOrDefault();
                    if (last is null || (string?)task.Document?.Root["route"]?["repliedRunId"] == last.RunId || last.Status is "running" or "queued")
                    {
                        continue;
                    }

                    await DeliverResultAsync(workspace, task.Id, last.RunId, last.Status, last.ErrorCode, last.ErrorMessage, last.Artifacts).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _context?.Log.Warn("channel", "unanswered results not checked", new { error = Truncate(ex.Message) });
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReplyAsync(string chat, string text)
    {
        try
        {
            await SendAsync(chat, text, null).ConfigureAwait(false);
        }
        catch (MsgcodeException ex)
        {
            _context!.Log.Warn("channel", "reply not sent", new { chatId = ChatTag(chat), errorId = ex.ErrorId, error = Truncate(ex.Message) });
        }
    }

    private Task SendAsync(string chat, string text, string? file) => _channel!.SendAsync(chat, text, file, _stopping?.Token ?? CancellationToken.None);

    /// <summary>File kinds sent back as a file (a TTS runner's audio, an image) rather than as text.</summary>
    private static readonly HashSet<string> SendableFileExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".mp3", ".m4a", ".aiff", ".aif", ".caf", ".ogg", ".opus", ".flac", ".png", ".jpg", ".jpeg", ".gif", ".heic", ".webp", ".pdf", ".mp4", ".mov",
    };

    /// <summary>
    /// What a succeeded run sends back: the answer's text (answer.txt, written by the LM Studio and declarative
    /// runners, else the process output in output.txt), cut at <paramref name="maxChars"/>, and its first audio,
    /// image or document artifact as a file. Artifact paths may be relative to the workspace.
    /// </summary>
    internal static (string Text, string? File) ComposeResult(string workspace, IEnumerable<string> artifacts, int maxChars)
    {
        var files = artifacts.Select(a => Path.IsPathRooted(a) ? a : Path.Combine(workspace, a)).Where(File.Exists).ToList();
        var answer = files.FirstOrDefault(f => Path.GetFileName(f) == "answer.txt") ?? files.FirstOrDefault(f => Path.GetFileName(f) == "output.txt");
        var file = files.FirstOrDefault(f => SendableFileExtensions.Contains(Path.GetExtension(f)));
        var text = answer is null ? string.Empty : ReadBounded(answer, maxChars).Trim();
        return (text, file);
    }

    private static string ReadBounded(string path, int maxChars)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var buffer = new char[maxChars + 1];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        return read > maxChars ? new string(buffer, 0, maxChars - 1) + "…" : new string(buffer, 0, read);
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..299] + "…";

    internal long InboundCount => Interlocked.Read(ref _inbound);

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^/(?<name>[A-Za-z][\w-]*)(?:\s+(?<args>.*))?$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex CommandPattern();
}
