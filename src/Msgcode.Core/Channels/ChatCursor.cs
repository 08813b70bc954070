namespace Msgcode.Core.Channels;

/// <summary>One chat's cursor in state.json (the original's <c>ChatState</c>).</summary>
public sealed record ChatCursor(string ChatGuid, long LastSeenRowid, DateTimeOffset? LastSeenAt, long MessageCount)
{
    /// <summary>
    /// The row id of the chat's oldest message kept for later (it could not be handled because of a local fault,
    /// such as a broken routes.json), or null. Set until the cursor moves past it; its sender has been told.
    /// </summary>
    public long? KeptFromRowid { get; init; }
}
