using System.Text.Json.Nodes;
using Msgcode.Core.Config;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Channels;

/// <summary>
/// Per-chat cursors in the <c>"chats"</c> section of <c>&lt;home&gt;/state.json</c>, next to the config
/// layer's <c>"config"</c> section (which it never touches). A cursor only moves forward; each advance is a
/// read-modify-write under the file's lock through the atomic-write primitive, like every config write. A chat
/// may also carry <c>keptFromRowid</c>: a message at that row id was kept for later, and a restart subscribes
/// from before it (see <see cref="Keep"/>).
/// </summary>
public sealed class ChatCursorStore
{
    public const string ChatsProperty = "chats";
    public const string KeptProperty = "keptFromRowid";

    private readonly MsgcodeHome _home;
    private readonly TimeProvider _clock;

    public ChatCursorStore(MsgcodeHome home, TimeProvider? clock = null)
    {
        _home = home;
        _clock = clock ?? TimeProvider.System;
    }

    public string Path => _home.StateFile;

    /// <summary>Every chat's cursor. A missing file is no cursors; an unreadable one throws (the caller decides).</summary>
    public IReadOnlyDictionary<string, ChatCursor> ReadAll()
    {
        var document = ConfigFile.LoadForRewrite(ConfigLayer.State, Path);
        var result = new Dictionary<string, ChatCursor>(StringComparer.Ordinal);
        if (document[ChatsProperty] is not JsonObject chats)
        {
            return result;
        }

        foreach (var (guid, node) in chats)
        {
            if (node is not JsonObject chat)
            {
                continue;
            }

            var rowid = TryLong(chat["lastSeenRowid"]) ?? 0;
            DateTimeOffset? at = chat["lastSeenAt"] is JsonValue v && v.TryGetValue<string>(out var s) && DateTimeOffset.TryParse(s, out var parsed) ? parsed : null;
            result[guid] = new ChatCursor(guid, rowid, at, TryLong(chat["messageCount"]) ?? 0) { KeptFromRowid = TryLong(chat[KeptProperty]) };
        }

        return result;
    }

    /// <summary>The highest cursor of all chats (row ids are global), or null when there is none.</summary>
    public long? MaxRowid()
    {
        var all = ReadAll();
        var max = all.Count == 0 ? 0 : all.Values.Max(c => c.LastSeenRowid);
        return max > 0 ? max : null;
    }

    /// <summary>
    /// Moves a chat's cursor to <paramref name="rowid"/> if that is forward, and drops the chat's kept mark once the
    /// cursor is at or past it. Returns whether the cursor moved.
    /// </summary>
    public bool Advance(string chatGuid, long rowid)
    {
        if (string.IsNullOrEmpty(chatGuid) || chatGuid == "0" || rowid <= 0)
        {
            return false;
        }

        return Change(chatGuid, chat =>
        {
            var released = TryLong(chat[KeptProperty]) is long kept && kept <= rowid && chat.Remove(KeptProperty);
            if (TryLong(chat["lastSeenRowid"]) is long current && current >= rowid)
            {
                return (released, false);
            }

            chat["lastSeenRowid"] = rowid;
            chat["lastMessageId"] = rowid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            chat["lastSeenAt"] = _clock.GetUtcNow().ToString("O");
            chat["messageCount"] = (TryLong(chat["messageCount"]) ?? 0) + 1;
            return (true, true);
        });
    }

    /// <summary>
    /// Marks a chat's message at <paramref name="rowid"/> as kept for later (the oldest such row id wins), so that a
    /// start subscribes from before it even when other chats' cursors are further on. <see cref="Advance"/> past it
    /// drops the mark. Returns whether the mark changed.
    /// </summary>
    public bool Keep(string chatGuid, long rowid)
    {
        if (string.IsNullOrEmpty(chatGuid) || chatGuid == "0" || rowid <= 0)
        {
            return false;
        }

        return Change(chatGuid, chat =>
        {
            var changed = TryLong(chat[KeptProperty]) is not long kept || kept > rowid;
            if (changed)
            {
                chat[KeptProperty] = rowid;
            }

            return (changed, changed);
        });
    }

    /// <summary>A read-modify-write of one chat's entry under the file's lock; written when <paramref name="change"/> says so.</summary>
    private bool Change(string chatGuid, Func<JsonObject, (bool Write, bool Result)> change)
    {
        using (FileLock.For(Path))
        {
            var document = ConfigFile.LoadForRewrite(ConfigLayer.State, Path);
            if (document[ChatsProperty] is not JsonObject chats)
            {
                chats = [];
                document[ChatsProperty] = chats;
            }

            if (chats[chatGuid] is not JsonObject chat)
            {
                chat = new JsonObject { ["chatGuid"] = chatGuid };
                chats[chatGuid] = chat;
            }

            var (write, result) = change(chat);
            if (write)
            {
                document["updatedAt"] = _clock.GetUtcNow().ToString("O");
                AtomicFile.WriteAllText(Path, ConfigFile.Serialize(document), new AtomicWriteOptions { OwnerOnly = true });
            }

            return result;
        }
    }

    private static long? TryLong(JsonNode? node) => node is JsonValue value
        ? value.TryGetValue<long>(out var l) ? l : value.TryGetValue<double>(out var d) ? (long)d : value.TryGetValue<string>(out var s) && long.TryParse(s, out var p) ? p : null
        : null;
}
