using System.Security.Cryptography;
using System.Text;
using Msgcode.Core.Daemon;
using Msgcode.Core.Tasks;
using static Msgcode.Core.Channels.ChannelLogText;

namespace Msgcode.Core.Channels;

/// <summary>
/// Sends a run's result to a chat exactly once, across crashes (chat replies and job deliveries alike). Before the
/// send, a durable mark goes into the task (<see cref="TaskDocument.ReplyMark"/>: run, chat, time, SHA-256 of the
/// text); once the transport confirmed it, the task durably records the run as replied
/// (<see cref="TaskDocument.RepliedRunId"/>). A result found with a mark and no confirmation (a crash, or a send
/// that failed) may or may not have reached the chat: the chat's history is asked, and only when no message from
/// this side with that text (or, for a file alone, with an attachment) came at or after the mark is it sent again.
/// </summary>
internal sealed class ResultSender
{
    /// <summary>How many of the most recently active chats are searched for a marked reply's chat: a reply that was sent made its chat one of the most recent.</summary>
    public const int ChatsToSearch = 200;

    /// <summary>How many of the chat's messages since the mark are looked at.</summary>
    public const int MessagesToSearch = 100;

    /// <summary>Test hook values: kill the daemon right after the mark is durable (the send not made) or right after the transport confirmed the send (not yet recorded).</summary>
    public const string KillSending = "sending";

    public const string KillSent = "sent";

    private readonly DaemonContext _context;
    private readonly IChatChannel _channel;
    private readonly string? _testKillAt;
    private readonly CancellationToken _stopping;

    public ResultSender(DaemonContext context, IChatChannel channel, string? testKillAt, CancellationToken stopping)
    {
        _context = context;
        _channel = channel;
        _testKillAt = testKillAt;
        _stopping = stopping;
    }

    /// <summary>
    /// Sends <paramref name="text"/> (and <paramref name="file"/>) as the result of <paramref name="runId"/>, unless
    /// a mark of an earlier attempt shows it reached the chat already; then records the run as replied. Returns
    /// whether a message was sent now. Throws the transport's errors (the mark stays: the next start asks again).
    /// </summary>
    public async Task<bool> SendOnceAsync(TaskStore store, TaskDocument document, string runId, string chat, string text, string? file)
    {
        if (document.ReplyMark is { } earlier && earlier.RunId == runId && await WasSentAsync(earlier).ConfigureAwait(false))
        {
            _context.Log.Info("channel", "result found sent before a restart", new { chatId = ChatTag(earlier.ChatGuid), taskId = document.Id, runId });
            Confirm(store, document.Id, runId);
            return false;
        }

        var mark = new ReplyMark(runId, chat, _context.Clock.GetUtcNow().ToUnixTimeMilliseconds(), Sha(text), file is not null);
        store.Update(document.Id, d =>
        {
            d.ReplyMark = mark;
            return true;
        });
        KillIfAsked(KillSending, document.Id);
        await _channel.SendAsync(chat, text, file, _stopping).ConfigureAwait(false);
        KillIfAsked(KillSent, document.Id);
        Confirm(store, document.Id, runId);
        return true;
    }

    /// <summary>Records (durably) that the result of <paramref name="runId"/> is in the chat, or needs no message.</summary>
    public static void Confirm(TaskStore store, string taskId, string runId) => store.Update(taskId, d =>
    {
        d.RepliedRunId = runId;
        return true;
    });

    /// <summary>Whether a message from this side matching <paramref name="mark"/> is in its chat at or after the mark's time.</summary>
    public async Task<bool> WasSentAsync(ReplyMark mark)
    {
        var chats = await _channel.ListChatsAsync(ChatsToSearch, _stopping).ConfigureAwait(false);
        if ((chats.FirstOrDefault(c => string.Equals(c.Guid, mark.ChatGuid, StringComparison.Ordinal)) ?? chats.FirstOrDefault(c => c.Is(mark.ChatGuid))) is not { } chat)
        {
            return false; // not among the most recently active chats: nothing was sent there since the mark
        }

        var since = DateTimeOffset.FromUnixTimeMilliseconds(mark.SendingAtMs);
        var messages = await _channel.HistoryAsync(chat.Id, MessagesToSearch, since, _stopping).ConfigureAwait(false);
        var empty = Sha(string.Empty);
        return messages.Any(m => m.IsFromMe && m.CreatedAt >= since
            && (mark.TextSha != empty ? Sha(m.Text ?? string.Empty) == mark.TextSha : mark.HasFile && m.Attachments.Count > 0));
    }

    /// <summary>The full SHA-256 of a text, lower-case hex (the mark compares whole texts, so no prefix).</summary>
    public static string Sha(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    private void KillIfAsked(string step, string taskId)
    {
        if (_testKillAt == step)
        {
            _context.Log.Warn("channel", "killing the daemon (test hook)", new { step, taskId });
            System.Diagnostics.Process.GetCurrentProcess().Kill();
        }
    }
}
