using System.Collections.Concurrent;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using static Msgcode.Core.Channels.ChannelLogText;

namespace Msgcode.Core.Channels;

/// <summary>
/// The messages a local fault (routes.json unreadable or corrupt, a task that cannot be written) kept from being
/// handled: kept, never dropped. The chat's cursor stays before the first of them (state.json marks the chat, so a
/// start subscribes from before it), the chat's later messages wait behind it in order, the sender is told once per
/// outage, and the kept messages are tried again when routes.json changes, on a timer with back-off, with the
/// chat's next message, and after a restart. Changed under the intake gate only.
/// </summary>
internal sealed class KeptMessages
{
    /// <summary>The faults of this machine's files that keep a message for later instead of dropping it.</summary>
    public static readonly HashSet<string> LocalFaults = new(StringComparer.Ordinal)
    {
        ErrorIds.RoutesFileCorrupt, ErrorIds.WorkspaceNotWritable, ErrorIds.FileWriteFailed, ErrorIds.DiskFull,
    };

    private readonly DaemonContext _context;
    private readonly ChatCursors _cursors;
    private readonly ChatReplies _replies;
    /// <summary>One message at a time: the channel's messages and the retries of kept ones.</summary>
    private readonly SemaphoreSlim _intakeGate;
    /// <summary>Handles one message under the intake gate; false when a local fault kept it (again).</summary>
    private readonly Func<InboundMessage, bool, Task<bool>> _handleOne;
    /// <summary>Per chat with a local fault: its oldest kept row id and the messages kept in this process (changed under the intake gate).</summary>
    private readonly ConcurrentDictionary<string, KeptChat> _kept = new(StringComparer.Ordinal);
    /// <summary>Released when routes.json changes: kept messages are tried again at once.</summary>
    private readonly SemaphoreSlim _retryWake = new(0, int.MaxValue);
    private FileSystemWatcher? _routesWatcher;

    public KeptMessages(DaemonContext context, ChatCursors cursors, ChatReplies replies, SemaphoreSlim intakeGate, Func<InboundMessage, bool, Task<bool>> handleOne)
    {
        _context = context;
        _cursors = cursors;
        _replies = replies;
        _intakeGate = intakeGate;
        _handleOne = handleOne;
    }

    /// <summary>The chats with kept messages, or with the mark of a daemon before this one.</summary>
    public int Count => _kept.Count;

    /// <summary>The row id before the oldest kept message (a subscription starts at or before it), or null when none is kept.</summary>
    public long? ResumeBefore => _kept.Values.Select(k => (long?)k.FromRowid - 1).Min();

    /// <summary>A chat marked in state.json by a daemon before this one (its sender was told): the subscription starts before it.</summary>
    public void Mark(string chat, long fromRowid) => _kept[chat] = new KeptChat(fromRowid);

    /// <summary>The chat's messages kept by this process, oldest first, or null when it has none (under the intake gate).</summary>
    public List<InboundMessage>? Waiting(string chat) => _kept.TryGetValue(chat, out var kept) && kept.Messages.Count > 0 ? kept.Messages : null;

    /// <summary>A chat's message was handled: a mark of the daemon before (no messages kept in this process) goes.</summary>
    public void Handled(string chat)
    {
        if (_kept.TryGetValue(chat, out var ended) && ended.Messages.Count == 0)
        {
            _kept.TryRemove(chat, out _); // kept by the daemon before, handled now: the cursor write drops the mark
        }
    }

    /// <summary>A change of routes.json (a repair) wakes the retry of kept messages; the timer catches what a watcher misses.</summary>
    public void WatchRoutes()
    {
        try
        {
            _routesWatcher = new FileSystemWatcher(_context.Home.Path, Path.GetFileName(_context.Home.RoutesFile))
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
            _context.Log.Warn("channel", "no file watcher on routes.json; kept messages are tried again on a timer", new { error = Truncate(ex.Message) });
        }
    }

    public void StopWatchingRoutes() => _routesWatcher?.Dispose();

    /// <summary>
    /// Keeps a message a local fault stopped: its chat's cursor stays before it, state.json marks the chat (a start
    /// subscribes from before it), and the sender is told once per outage. On a <paramref name="retry"/> (the message
    /// is already the chat's first kept one) nothing changes.
    /// </summary>
    public async Task KeepAsync(InboundMessage message, MsgcodeException fault, bool retry)
    {
        var log = _context.Log;
        var chat = message.ChatGuid;
        if (retry)
        {
            log.Debug("channel", "kept message still waits", new { chatId = ChatTag(chat), rowid = message.Rowid, errorId = fault.ErrorId });
            return;
        }

        var kept = _kept.GetOrAdd(chat, _ => new KeptChat(message.Rowid) { Told = false });
        kept.Messages.Add(message);
        var digest = TextDigest.Of(message.Text);
        log.Warn("channel", "message kept", new { chatId = ChatTag(chat), rowid = message.Rowid, textLen = digest.Length, textSha = digest.Sha, status = "kept", errorId = fault.ErrorId, path = fault.Target?.ToString() });
        _cursors.Keep(chat, message.Rowid);

        if (!kept.Told)
        {
            kept.Told = true;
            await _replies.ReplyAsync(chat, KeptNotice(fault)).ConfigureAwait(false);
        }
    }

    /// <summary>What the sender is told when a local fault keeps their message (or its queue entry) back.</summary>
    internal static string KeptNotice(MsgcodeException fault) => fault.ErrorId == ErrorIds.RoutesFileCorrupt
        ? $"msgcode cannot read its routes ({fault.ErrorId}); your message is kept and will be handled once routes.json is fixed (Test-MsgcodeDoctor shows what is wrong)."
        : $"msgcode cannot save this chat's task ({fault.ErrorId}); your message is kept and will be handled once that is fixed (Test-MsgcodeDoctor shows what is wrong).";

    /// <summary>Tries a chat's kept messages again, oldest first, until one is kept again (under the intake gate).</summary>
    public async Task RetryKeptAsync(string chat)
    {
        while (_kept.TryGetValue(chat, out var kept) && kept.Messages.Count > 0)
        {
            await RoutesSettledAsync().ConfigureAwait(false);
            if (!await _handleOne(kept.Messages[0], true).ConfigureAwait(false))
            {
                return;
            }

            kept.Messages.RemoveAt(0);
        }

        if (_kept.TryRemove(chat, out _))
        {
            _context.Log.Info("channel", "kept messages handled", new { chatId = ChatTag(chat) });
        }
    }

    /// <summary>
    /// Returns once routes.json has not been written for <see cref="ChannelService.RoutesSettle"/>: a file being
    /// repaired in place (truncated, then written) must not be read in between, when it would look empty (no routes:
    /// "not bound").
    /// </summary>
    private async Task RoutesSettledAsync()
    {
        for (var i = 0; i < 10; i++)
        {
            var age = DateTime.UtcNow - File.GetLastWriteTimeUtc(_context.Home.RoutesFile); // a missing file: 1601, long ago
            if (age >= ChannelService.RoutesSettle || age < TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(ChannelService.RoutesSettle - age).ConfigureAwait(false);
        }
    }

    private bool HasKeptMessages => _kept.Values.Any(k => k.Messages.Count > 0);

    /// <summary>
    /// Tries kept messages again: when routes.json changes (once it has been quiet for
    /// <see cref="ChannelService.RoutesSettle"/>), else with back-off (1 s doubling to 30 s).
    /// </summary>
    public async Task RetryKeptLoopAsync(CancellationToken stopping)
    {
        var backoff = ChannelService.MinRetry;
        while (!stopping.IsCancellationRequested)
        {
            bool woken;
            try
            {
                woken = await _retryWake.WaitAsync(HasKeptMessages ? backoff : ChannelService.MinRetry, stopping).ConfigureAwait(false);
                while (woken && await _retryWake.WaitAsync(ChannelService.RoutesSettle, stopping).ConfigureAwait(false))
                {
                    // routes.json is still being written (an editor, Set-Content): a file read half-written, or empty
                    // between truncation and write, would route the kept messages wrongly. Wait for quiet.
                }

                if (!HasKeptMessages)
                {
                    backoff = ChannelService.MinRetry;
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
                _context.Log.Error("channel", "kept messages not retried", new { errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                _intakeGate.Release();
            }

            backoff = !HasKeptMessages || woken ? ChannelService.MinRetry : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, ChannelService.MaxRetry.Ticks));
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
}
