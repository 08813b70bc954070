namespace Msgcode.Core.Channels;

/// <summary>A message that arrived in a chat (the imsg <c>message</c> notification, mapped as the original's adapter does).</summary>
public sealed record InboundMessage
{
    /// <summary>The message's row id: global and increasing across chats (the cursor).</summary>
    public required long Rowid { get; init; }

    /// <summary>The chat: its GUID, or its row id as text when imsg gives no GUID.</summary>
    public required string ChatGuid { get; init; }

    public required string Sender { get; init; }

    public bool IsFromMe { get; init; }

    public bool IsGroup { get; init; }

    /// <summary>The text (never logged: use <see cref="Logging.TextDigest"/>).</summary>
    public string? Text { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public string? MessageGuid { get; init; }

    public IReadOnlyList<InboundAttachment> Attachments { get; init; } = [];
}

public sealed record InboundAttachment(string? FileName, string? MimeType, string? Path, bool Missing);

/// <summary>Where a subscription starts: after a row id (the highest cursor), or at a time (first run).</summary>
public readonly record struct SubscriptionStart(long? SinceRowid, DateTimeOffset? Start);

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
}
