using System.Globalization;
using System.Text.Json;

namespace Msgcode.Core.Channels;

/// <summary>The message notifications imsg sends (<c>message</c>, with the message's fields as imsg names them).</summary>
internal static class ImsgPayload
{
    /// <summary>imsg's chat payload (chats.list) → <see cref="ChatSummary"/>; null unless it has an integer id.</summary>
    public static ChatSummary? ParseChat(JsonElement c)
    {
        if (c.ValueKind != JsonValueKind.Object || !c.TryGetProperty("id", out var id) || !id.TryGetInt64(out var rowid))
        {
            return null;
        }

        string Str(string name) => c.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : string.Empty;
        var participants = c.TryGetProperty("participants", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString()!).ToList()
            : [];
        DateTimeOffset? last = DateTimeOffset.TryParse(Str("last_message_at"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        return new ChatSummary(rowid, Str("guid"), Str("identifier"), Str("name"), Str("service"), c.TryGetProperty("is_group", out var g) && g.ValueKind == JsonValueKind.True, participants, last);
    }

    /// <summary>The objects of the array <paramref name="name"/> in an answer, each parsed (those that do not parse are left out).</summary>
    public static IReadOnlyList<T> ParseList<T>(JsonElement result, string name, Func<JsonElement, T?> parse)
        where T : class
        => result.ValueKind == JsonValueKind.Object && result.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(parse).OfType<T>().ToList()
            : [];

    /// <summary>imsg's message payload → <see cref="InboundMessage"/>; null unless it has id, chat_id, sender, is_from_me and created_at.</summary>
    public static InboundMessage? Parse(JsonElement m)
    {
        if (m.ValueKind != JsonValueKind.Object
            || !m.TryGetProperty("id", out var id) || !id.TryGetInt64(out var rowid)
            || !m.TryGetProperty("chat_id", out var chatId)
            || !m.TryGetProperty("sender", out var sender) || sender.ValueKind != JsonValueKind.String
            || !m.TryGetProperty("is_from_me", out var fromMe) || fromMe.ValueKind is not (JsonValueKind.True or JsonValueKind.False)
            || !m.TryGetProperty("created_at", out var created) || created.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        string? Str(string name) => m.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        var attachments = new List<InboundAttachment>();
        if (m.TryGetProperty("attachments", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in list.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.Object))
            {
                string? A(string name) => a.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                attachments.Add(new InboundAttachment(A("filename"), A("mime_type"), A("original_path"), a.TryGetProperty("missing", out var miss) && miss.ValueKind == JsonValueKind.True)
                {
                    TransferName = A("transfer_name"),
                    Uti = A("uti"),
                });
            }
        }

        var chatGuid = Str("chat_guid");
        return new InboundMessage
        {
            Rowid = rowid,
            ChatGuid = string.IsNullOrEmpty(chatGuid) ? chatId.ToString() : chatGuid,
            Sender = sender.GetString()!,
            IsFromMe = fromMe.GetBoolean(),
            IsGroup = m.TryGetProperty("is_group", out var g) && g.ValueKind == JsonValueKind.True,
            Text = Str("text"),
            CreatedAt = DateTimeOffset.TryParse(created.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.UtcNow,
            MessageGuid = Str("guid"),
            Attachments = attachments,
        };
    }
}
