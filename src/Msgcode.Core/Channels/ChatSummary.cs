namespace Msgcode.Core.Channels;

/// <summary>
/// A chat as the transport lists it (imsg's <c>chats.list</c>): its row id (what <c>messages.history</c> takes), GUID,
/// identifier, name, service, whether it is a group, its participants and when its last message came.
/// </summary>
public sealed record ChatSummary(long Id, string Guid, string Identifier, string Name, string Service, bool IsGroup, IReadOnlyList<string> Participants, DateTimeOffset? LastMessageAt)
{
    /// <summary>Whether this is the chat a route or a task names: by GUID, by normalized id, or by its row id as text (what a message without GUID carries).</summary>
    public bool Is(string chat) => string.Equals(Guid, chat, StringComparison.Ordinal)
        || (Guid.Length > 0 && string.Equals(RouteStore.NormalizeChatId(Guid), RouteStore.NormalizeChatId(chat), StringComparison.OrdinalIgnoreCase))
        || (Identifier.Length > 0 && string.Equals(Identifier, RouteStore.NormalizeChatId(chat), StringComparison.OrdinalIgnoreCase))
        || string.Equals(Id.ToString(System.Globalization.CultureInfo.InvariantCulture), chat, StringComparison.Ordinal);
}
