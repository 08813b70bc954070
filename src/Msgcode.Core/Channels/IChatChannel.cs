namespace Msgcode.Core.Channels;

/// <summary>
/// A chat transport. The channel delivers each message at least once (a restart resubscribes from
/// <see cref="SubscriptionStart"/>) and drops the duplicates it can see; the caller's cursor does the rest.
/// Another transport is one class implementing this.
/// </summary>
public interface IChatChannel : IAsyncDisposable
{
    /// <summary>Short name for logs and the doctor ("imsg").</summary>
    string Name { get; }

    /// <summary>Whether the transport is connected and subscribed now.</summary>
    bool IsConnected { get; }

    /// <summary>
    /// Starts receiving: <paramref name="onMessage"/> is called for each message, one at a time, in arrival order.
    /// <paramref name="resumeFrom"/> is asked at every (re)subscription where to start. Returns once started;
    /// reconnects on its own until <paramref name="stopping"/> is cancelled.
    /// </summary>
    Task StartAsync(Func<SubscriptionStart> resumeFrom, Func<InboundMessage, Task> onMessage, CancellationToken stopping);

    /// <summary>Sends text (and optionally a file) to a chat. Throws <see cref="Errors.ErrorIds.ImsgRequestFailed"/> or <see cref="Errors.ErrorIds.ImsgUnavailable"/>.</summary>
    Task SendAsync(string chatGuid, string text, string? file, CancellationToken cancellationToken);

    /// <summary>The chats the transport knows, the most recently active first (up to <paramref name="limit"/>).</summary>
    Task<IReadOnlyList<ChatSummary>> ListChatsAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// A chat's messages (by its <see cref="ChatSummary.Id"/>), newest first, from <paramref name="start"/> on when
    /// given, with attachments; the messages this side sent are there too (<see cref="InboundMessage.IsFromMe"/>).
    /// This is how a send that a crash left unconfirmed is looked for before it is made again.
    /// </summary>
    Task<IReadOnlyList<InboundMessage>> HistoryAsync(long chatId, int limit, DateTimeOffset? start, CancellationToken cancellationToken);
}
