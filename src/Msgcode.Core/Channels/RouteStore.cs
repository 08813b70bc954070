using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Channels;

/// <summary>
/// Chat → workspace bindings in <c>&lt;home&gt;/routes.json</c>:
/// <c>{"version":1,"routes":{"&lt;chatGuid&gt;":{...}}}</c>, as in the original msgcode. Every change is a
/// read-modify-write under the file's lock through the atomic-write primitive; a file msgcode cannot parse
/// is reported (<see cref="ErrorIds.RoutesFileCorrupt"/>) and never rewritten.
/// </summary>
public sealed class RouteStore
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };
    private readonly TimeProvider _clock;

    public RouteStore(MsgcodeHome home, TimeProvider? clock = null)
    {
        Path = home.RoutesFile;
        _clock = clock ?? TimeProvider.System;
    }

    public string Path { get; }

    /// <summary>The last <c>;</c>-separated part of a chat GUID (<c>any;+;abc</c> → <c>abc</c>).</summary>
    public static string NormalizeChatId(string chatGuid)
    {
        var index = chatGuid.LastIndexOf(';');
        return index < 0 ? chatGuid : chatGuid[(index + 1)..];
    }

    /// <summary>True for a group chat: a 32-hex GUID, or an id starting with <c>any;+;</c> / <c>iMessage;+;</c>.</summary>
    public static bool IsGroupChat(string chatGuid)
    {
        var id = NormalizeChatId(chatGuid);
        return chatGuid.Contains(";+;", StringComparison.Ordinal) || (id.Length == 32 && id.All(Uri.IsHexDigit));
    }

    /// <summary>Every route (archived ones too), ordered by chat GUID.</summary>
    public IReadOnlyList<ChatRoute> List() => Load().Values.OrderBy(r => r.ChatGuid, StringComparer.Ordinal).ToList();

    /// <summary>
    /// The route of a chat by its GUID or its normalized id (what a message carries). Archived routes are returned
    /// too; callers check <see cref="ChatRoute.Status"/>. Never by a partial id: two chats whose ids share an ending
    /// are different chats.
    /// </summary>
    public ChatRoute? Find(string chatGuid) => Find(Load(), chatGuid, fragment: false);

    /// <summary>
    /// The route of a chat as a person types it: its GUID, its normalized id, or (when unique) the last up to 8
    /// characters of that id, like a short git hash.
    /// </summary>
    public ChatRoute? FindTyped(string typed) => Find(Load(), typed, fragment: true);

    /// <summary>The route of a chat as a person types it (see <see cref="FindTyped"/>), or <see cref="ErrorIds.RouteNotFound"/>.</summary>
    public ChatRoute Get(string chatGuid) => FindTyped(chatGuid) ?? throw NotFound(chatGuid);

    /// <summary>
    /// What Set-MsgcodeRoute binds: the chat (an existing route found by its full id or a unique ending, else the id
    /// as typed), the workspace (<paramref name="workspace"/>, else the existing route's), and the status: the one
    /// given, else paused when the route is paused and keeps its workspace (re-labelling a paused route must not
    /// resume it), else active. A new chat without a workspace is RouteNotFound.
    /// </summary>
    public (string ChatGuid, string Workspace, string? Status) PlanSet(string typed, string? workspace, string? status)
    {
        var existing = FindTyped(typed);
        if (workspace is null && existing is null)
        {
            throw new MsgcodeException(ErrorIds.RouteNotFound, MsgcodeErrorCategory.ObjectNotFound, typed,
                $"Chat '{typed}' has no route yet: give the workspace to bind it to with -Workspace.");
        }

        var target = workspace ?? existing!.Workspace;
        var samePlace = existing is not null && string.Equals(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(target)), existing.Workspace, StringComparison.Ordinal);
        return (existing?.ChatGuid ?? typed, target, status ?? (samePlace && existing!.Status == RouteStatuses.Paused ? RouteStatuses.Paused : null));
    }

    /// <summary>
    /// Binds a chat to a workspace (creates or replaces its route; status becomes active unless given). A null
    /// <paramref name="voiceReply"/> or <paramref name="showTranscript"/> keeps the route's setting.
    /// </summary>
    public ChatRoute Bind(string chatGuid, string workspace, string? label = null, string? runner = null, string? status = null, string? voiceReply = null, bool? showTranscript = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(chatGuid);
        if (!System.IO.Path.IsPathFullyQualified(workspace))
        {
            throw new MsgcodeException(ErrorIds.RoutePathInvalid, MsgcodeErrorCategory.InvalidArgument, workspace,
                $"A route's workspace must be an absolute path, not '{workspace}'. Set-MsgcodeRoute -Workspace resolves a relative one for you.");
        }

        if (runner is not null)
        {
            runner = Tasks.TaskStore.ValidateRunnerKind(runner);
        }

        if (status is not null)
        {
            RequireStatus(status);
        }

        if (voiceReply is not null && !VoiceReplyModes.All.Contains(voiceReply))
        {
            throw new MsgcodeException(ErrorIds.RouteVoiceReplyInvalid, MsgcodeErrorCategory.InvalidArgument, voiceReply,
                $"'{voiceReply}' is not a way to reply; a route replies as {string.Join(", ", VoiceReplyModes.All)}.");
        }

        return Mutate(routes =>
        {
            var now = _clock.GetUtcNow();
            var existing = Find(routes, chatGuid, fragment: false);
            var route = existing ?? new ChatRoute { ChatGuid = chatGuid, CreatedAt = now };
            route.ChatId = NormalizeChatId(route.ChatGuid);
            route.Workspace = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(workspace));
            route.Label = label ?? existing?.Label ?? System.IO.Path.GetFileName(route.Workspace);
            route.Runner = runner ?? existing?.Runner;
            route.Status = status ?? RouteStatuses.Active;
            route.VoiceReply = voiceReply is null ? existing?.VoiceReply : voiceReply == VoiceReplyModes.Text ? null : voiceReply;
            route.ShowTranscript = showTranscript is null ? existing?.ShowTranscript : showTranscript.Value ? true : null;
            route.UpdatedAt = now;
            routes[route.ChatGuid] = route;
            return route;
        });
    }

    private static void RequireStatus(string status)
    {
        if (!RouteStatuses.All.Contains(status))
        {
            throw new MsgcodeException(ErrorIds.RouteStatusInvalid, MsgcodeErrorCategory.InvalidArgument, status,
                $"'{status}' is not a route status; a route is {string.Join(", ", RouteStatuses.All)}.");
        }
    }

    /// <summary>Changes the status of a route (active, paused, archived). Archiving keeps the workspace.</summary>
    public ChatRoute SetStatus(string chatGuid, string status)
    {
        RequireStatus(status);
        return Mutate(routes =>
        {
            var route = Find(routes, chatGuid, fragment: false) ?? throw NotFound(chatGuid);
            if (route.Status != status)
            {
                route.Status = status;
                route.UpdatedAt = _clock.GetUtcNow();
            }

            return route;
        });
    }

    /// <summary>Sets the runner of a chat's route (the chat's /model); null returns it to the workspace's runner.default.</summary>
    public ChatRoute SetRunner(string chatGuid, string? runner)
    {
        runner = runner is null ? null : Tasks.TaskStore.ValidateRunnerKind(runner);
        return Mutate(routes =>
        {
            var route = Find(routes, chatGuid, fragment: false) ?? throw NotFound(chatGuid);
            if (route.Runner != runner)
            {
                route.Runner = runner;
                route.UpdatedAt = _clock.GetUtcNow();
            }

            return route;
        });
    }

    /// <summary>
    /// The folder a chat's <c>/bind &lt;dir&gt;</c> names: relative to <paramref name="workspaceRoot"/>, never
    /// absolute, never with <c>..</c> or <c>~</c>, never outside the root. Throws <see cref="ErrorIds.RoutePathInvalid"/>.
    /// </summary>
    public static string ResolveBindPath(string workspaceRoot, string relative)
    {
        var text = relative.Trim();
        string? why = null;
        if (text.Length == 0)
        {
            why = "it is empty";
        }
        else if (System.IO.Path.IsPathRooted(text) || text.StartsWith('/') || text.StartsWith('\\') || (text.Length > 1 && text[1] == ':'))
        {
            why = "it is absolute";
        }
        else if (text.Contains('~'))
        {
            why = "it contains ~";
        }
        else if (text.Split('/', '\\').Any(part => part == ".."))
        {
            why = "it contains ..";
        }
        else if (text.IndexOfAny(['\0', '\n', '\r']) >= 0)
        {
            why = "it contains a control character";
        }

        var root = System.IO.Path.GetFullPath(MsgcodeHome.ExpandHome(workspaceRoot));
        var full = why is null ? System.IO.Path.GetFullPath(System.IO.Path.Combine(root, text)) : null;
        if (full is not null)
        {
            var rel = System.IO.Path.GetRelativePath(root, full);
            if (rel == "." || rel.StartsWith("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(rel))
            {
                why = "it leaves the workspace root";
            }
        }

        if (why is not null)
        {
            throw new MsgcodeException(ErrorIds.RoutePathInvalid, MsgcodeErrorCategory.InvalidArgument, relative,
                $"'{relative}' cannot be bound because {why}. Give a folder relative to workspace.root ({root}), such as acme or clients/acme.");
        }

        return System.IO.Path.TrimEndingDirectorySeparator(full!);
    }

    private static ChatRoute? Find(Dictionary<string, ChatRoute> routes, string chatGuid, bool fragment)
    {
        if (routes.TryGetValue(chatGuid, out var exact))
        {
            return exact;
        }

        var normalized = NormalizeChatId(chatGuid);
        var byId = routes.Values.FirstOrDefault(r => string.Equals(r.ChatId ?? NormalizeChatId(r.ChatGuid), normalized, StringComparison.OrdinalIgnoreCase));
        if (byId is not null || !fragment || normalized.Length is < 4 or > 8)
        {
            return byId;
        }

        var bySuffix = routes.Values.Where(r => (r.ChatId ?? NormalizeChatId(r.ChatGuid)).EndsWith(normalized, StringComparison.OrdinalIgnoreCase)).ToList();
        return bySuffix.Count == 1 ? bySuffix[0] : null;
    }

    private static MsgcodeException NotFound(string chatGuid) => new(ErrorIds.RouteNotFound, MsgcodeErrorCategory.ObjectNotFound, chatGuid,
        $"No route for chat '{chatGuid}'. Get-MsgcodeRoute lists the bound chats; Set-MsgcodeRoute binds one.");

    private T Mutate<T>(Func<Dictionary<string, ChatRoute>, T> change)
    {
        using (FileLock.For(Path))
        {
            var routes = Load(out var original);
            var result = change(routes);
            // What this version does not know (other top-level fields, other fields of a route) is written back as it was.
            var root = original?.DeepClone() as JsonObject ?? new JsonObject();
            root["version"] ??= 1;
            var entries = new JsonObject();
            var before = original?["routes"] as JsonObject;
            foreach (var (key, route) in routes.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var entry = JsonSerializer.SerializeToNode(route, Options)!.AsObject();
                if ((before?[key] ?? FindEntry(before, key)) is JsonObject old)
                {
                    foreach (var (field, value) in old)
                    {
                        if (!entry.ContainsKey(field) && !KnownFields.Contains(field)) // a known field left out is a cleared one
                        {
                            entry[field] = value?.DeepClone();
                        }
                    }
                }

                entries[key] = entry;
            }

            root["routes"] = entries;
            AtomicFile.WriteAllText(Path, root.ToJsonString(Options) + "\n", new AtomicWriteOptions { OwnerOnly = true });
            return result;
        }
    }

    /// <summary>The fields ChatRoute reads and writes (by their JSON names).</summary>
    private static readonly HashSet<string> KnownFields = typeof(ChatRoute).GetProperties()
        .Select(p => p.GetCustomAttributes(typeof(JsonPropertyNameAttribute), inherit: false).OfType<JsonPropertyNameAttribute>().FirstOrDefault()?.Name)
        .OfType<string>().ToHashSet(StringComparer.Ordinal);

    /// <summary>The entry whose chatGuid is <paramref name="chatGuid"/> (an entry kept under another key).</summary>
    private static JsonObject? FindEntry(JsonObject? entries, string chatGuid)
        => entries?.Select(p => p.Value).OfType<JsonObject>().FirstOrDefault(e => e["chatGuid"] is JsonValue v && v.TryGetValue<string>(out var guid) && guid == chatGuid);

    private Dictionary<string, ChatRoute> Load() => Load(out _);

    private Dictionary<string, ChatRoute> Load(out JsonObject? root)
    {
        root = null;
        string text;
        try
        {
            text = File.ReadAllText(Path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new Dictionary<string, ChatRoute>(StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MsgcodeException(ErrorIds.RoutesFileCorrupt, MsgcodeErrorCategory.ReadError, Path, $"Cannot read '{Path}': {ex.Message} Check its permissions.", ex);
        }

        var routes = new Dictionary<string, ChatRoute>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
        {
            return routes;
        }

        try
        {
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new JsonException("the file does not hold a JSON object");
            if (root["routes"] is not JsonObject entries)
            {
                if (root["routes"] is not null)
                {
                    throw new JsonException("\"routes\" is not an object of chat GUIDs");
                }

                return routes;
            }

            foreach (var (key, node) in entries)
            {
                if (node is not JsonObject)
                {
                    throw new JsonException($"the route '{key}' is not an object");
                }

                var route = node.Deserialize<ChatRoute>(Options);
                if (route is null)
                {
                    continue;
                }

                // Self-repair as in the original: the key is the truth for a missing GUID, a missing id is derived.
                route.ChatGuid = string.IsNullOrEmpty(route.ChatGuid) ? key : route.ChatGuid;
                route.ChatId ??= NormalizeChatId(route.ChatGuid);
                route.Status = RouteStatuses.All.Contains(route.Status) ? route.Status : RouteStatuses.Paused;
                routes[route.ChatGuid] = route;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new MsgcodeException(ErrorIds.RoutesFileCorrupt, MsgcodeErrorCategory.InvalidData, Path,
                $"'{Path}' is not a valid routes file ({ex.Message}); msgcode will not overwrite it. Repair or remove it by hand.", ex);
        }

        return routes;
    }
}
