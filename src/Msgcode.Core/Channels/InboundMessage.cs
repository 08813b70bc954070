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
