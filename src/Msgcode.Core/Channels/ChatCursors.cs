using System.Collections.Concurrent;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;
using static Msgcode.Core.Channels.ChannelLogText;

namespace Msgcode.Core.Channels;

/// <summary>
/// The channel's per-chat cursors: a message at or below its chat's cursor was handled before. In memory a cursor
/// moves as soon as its message is handled; in state.json (<see cref="ChatCursorStore"/>) only once the message's
/// queue entry is durable and every earlier message's cursor is written, through one chain of writes that never
/// faults (the next message is taken meanwhile, and a later cursor write covers the earlier ones).
/// </summary>
internal sealed class ChatCursors
{
    private readonly DaemonContext _context;
    private readonly ChatCursorStore _cursorStore;
    private readonly bool _testHoldCursor;
    private readonly ConcurrentDictionary<string, long> _cursors = new(StringComparer.Ordinal);
    /// <summary>Chats whose cursor stays where it is until the next start (a message could not be queued: the daemon was stopping).</summary>
    private readonly ConcurrentDictionary<string, byte> _cursorHeld = new(StringComparer.Ordinal);
    /// <summary>Per chat, the row id of the latest message handed to the cursor chain.</summary>
    private readonly ConcurrentDictionary<string, long> _cursorWanted = new(StringComparer.Ordinal);
    private Task _tail = Task.CompletedTask;

    /// <param name="testHoldCursor">See <see cref="ChannelServiceOptions.TestHoldCursor"/>.</param>
    public ChatCursors(DaemonContext context, ChatCursorStore cursorStore, bool testHoldCursor)
    {
        _context = context;
        _cursorStore = cursorStore;
        _testHoldCursor = testHoldCursor;
    }

    /// <summary>The chats with a cursor.</summary>
    public int Count => _cursors.Count;

    /// <summary>Completes when every message handled so far is queued (durably) and its cursor written; never faults.</summary>
    public Task Tail => _tail;

    /// <summary>Every chat's cursor in state.json (to load at start). An unreadable file throws.</summary>
    public IReadOnlyDictionary<string, ChatCursor> ReadAll() => _cursorStore.ReadAll();

    /// <summary>Sets a chat's cursor read from state.json at start.</summary>
    public void Load(string chat, long rowid) => _cursors[chat] = rowid;

    /// <summary>Whether the message is at or below its chat's cursor: it was handled before.</summary>
    public bool Handled(InboundMessage message) => _cursors.TryGetValue(message.ChatGuid, out var cursor) && message.Rowid <= cursor;

    /// <summary>
    /// Where a (re)subscription starts: after the highest cursor (row ids are global), but at or before
    /// <paramref name="keptBefore"/> (the row id before the oldest kept message: the chats' cursors drop what was
    /// handled), else a minute ago.
    /// </summary>
    public SubscriptionStart Resume(long? keptBefore)
    {
        var max = _cursors.IsEmpty ? 0 : _cursors.Values.Max();
        if (keptBefore is long before)
        {
            return new SubscriptionStart(Math.Max(0, max > 0 ? Math.Min(max, before) : before), null);
        }

        return max > 0 ? new SubscriptionStart(max, null) : new SubscriptionStart(null, DateTimeOffset.UtcNow.AddSeconds(-60));
    }

    /// <summary>
    /// A message was handled, ignored, rejected or errored: never again. Its cursor moves at once in memory, and in
    /// state.json once <paramref name="queued"/> is durable and every earlier message's cursor has moved (after a
    /// crash in between, the message comes again and finds its task). Returns that write; it never faults.
    /// <paramref name="plain"/>: the message became a queued task (the only cursor the test hook holds back).
    /// </summary>
    public Task Advance(string chat, long rowid, Task queued, bool plain = false)
    {
        _cursorWanted[chat] = rowid;
        var written = AdvanceCursorAfterAsync(_tail, queued, chat, rowid, plain);
        _tail = written;
        _cursors.AddOrUpdate(chat, rowid, (_, old) => Math.Max(old, rowid));
        return written;
    }

    /// <summary>
    /// Marks the chat in state.json as keeping the message at <paramref name="rowid"/>: a start subscribes from before
    /// it. A failure is logged only: the message is kept in memory still, and a restart before the fault is fixed may
    /// then start after it.
    /// </summary>
    public void Keep(string chat, long rowid)
    {
        try
        {
            _cursorStore.Keep(chat, rowid);
        }
        catch (Exception ex)
        {
            _context.Log.Error("channel", "kept mark not saved", new { chatId = ChatTag(chat), rowid, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
        }
    }

    /// <summary>
    /// Moves a chat's cursor to <paramref name="rowid"/> once <paramref name="queued"/> has completed (the message's
    /// queue entry is durable, or it failed: a failed message is not taken again either) and <paramref name="previous"/>
    /// (every earlier message's cursor). A later message of the same chat already waiting writes a higher cursor,
    /// which covers this one: this write is then left to it. Never faults.
    /// </summary>
    private async Task AdvanceCursorAfterAsync(Task previous, Task queued, string chat, long rowid, bool plain)
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
                    Keep(chat, rowid);
                }
            }
        }

        await previous.ConfigureAwait(false);
        if (_cursorWanted.TryGetValue(chat, out var wanted) && wanted > rowid || _cursorHeld.ContainsKey(chat)
            || _testHoldCursor && plain)
        {
            return;
        }

        try
        {
            _cursorStore.Advance(chat, rowid);
        }
        catch (Exception ex)
        {
            // Any failure (a state.json broken by hand, a full disk): logged, and the chain goes on (it never faults).
            _context.Log.Error("channel", "cursor not saved", new { chatId = ChatTag(chat), rowid, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
        }
    }
}
