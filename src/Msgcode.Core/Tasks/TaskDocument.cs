using System.Text.Json;
using System.Text.Json.Nodes;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Tasks;

/// <summary>
/// A task as stored in <c>&lt;id&gt;.json</c>. Kept as a JSON object so that fields a
/// person or a newer version added survive every rewrite; typed accessors validate what msgcode reads.
/// </summary>
public sealed partial class TaskDocument
{
    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true };

    private TaskDocument(JsonObject root)
    {
        Root = root;
    }

    public JsonObject Root { get; }

    public string Id => (string)Root["id"]!;

    public string Title
    {
        get => (string)Root["title"]!;
        set => Root["title"] = value;
    }

    public string Status
    {
        get => (string)Root["status"]!;
        set => Root["status"] = value;
    }

    public long CreatedAtMs => (long)Root["createdAtMs"]!;

    public long UpdatedAtMs
    {
        get => (long)Root["updatedAtMs"]!;
        set => Root["updatedAtMs"] = value;
    }

    public string RunnerKind
    {
        get => (string)Object("runner")["kind"]!;
        set => Object("runner")["kind"] = value;
    }

    public string? Model
    {
        get => (string?)Object("runner")["model"];
        set => Object("runner")["model"] = value;
    }

    public string Prompt
    {
        get => (string)Object("inputs")["prompt"]!;
        set => Object("inputs")["prompt"] = value;
    }

    public string[] Files
    {
        get => StringArray(Object("inputs"), "files");
        set => Object("inputs")["files"] = new JsonArray(value.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
    }

    /// <summary>
    /// The transcript of the voice note a chat's task was made from (<c>inputs.transcript</c>), or null: its prompt
    /// holds the same words, and the answer shows them first when the chat's route asks (showTranscript).
    /// </summary>
    public string? Transcript
    {
        get => Object("inputs")["transcript"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
        set => Object("inputs")["transcript"] = value;
    }

    public string[] Artifacts => StringArray(Object("outputs"), "artifacts");

    public string[] Patches => StringArray(Object("outputs"), "patches");

    /// <summary>The summary of the task's last run (<c>notes.lastSummary</c>): every run's end overwrites it.</summary>
    public string LastSummary
    {
        get => (string?)Object("notes")["lastSummary"] ?? string.Empty;
        set => Object("notes")["lastSummary"] = value;
    }

    /// <summary>The agent session of the task's last run that had one (what -Continue resumes), or null.</summary>
    public TaskSession? Session
    {
        get => Root["session"] is JsonObject o && o["runner"] is JsonValue r && r.TryGetValue<string>(out var runner) && o["id"] is JsonValue i && i.TryGetValue<string>(out var id)
            ? new TaskSession(runner, id, (string?)(o["runId"] as JsonValue), o["worktree"] is JsonValue w && w.TryGetValue<bool>(out var isolated) && isolated)
            {
                Totals = o["totals"] is JsonObject t ? t.Deserialize<Runs.RunUsage>() : null,
            }
            : null;
        set
        {
            if (value is null)
            {
                Root.Remove("session");
            }
            else
            {
                Root["session"] = new JsonObject { ["runner"] = value.Runner, ["id"] = value.Id, ["runId"] = value.RunId, ["worktree"] = value.Worktree };
                if (value.Totals is { } totals)
                {
                    ((JsonObject)Root["session"]!)["totals"] = JsonSerializer.SerializeToNode(totals);
                }
            }
        }
    }

    public string? WorkspacePath => Root["workspace"] is JsonObject ws ? (string?)ws["path"] : null;

    /// <summary>The run in progress while status is running (<c>currentRun</c>): which run, and the process that owns it.</summary>
    public TaskRunClaim? CurrentRun
    {
        get => Root["currentRun"] is JsonObject o ? TaskRunClaim.FromJson(o) : null;
        set
        {
            if (value is null)
            {
                Root.Remove("currentRun");
            }
            else
            {
                Root["currentRun"] = value.ToJson();
            }
        }
    }

    /// <summary>
    /// A run of this task that a crash interrupted is queued again (<c>retry.onInterrupted: "requeue"</c>): a chat's
    /// task, so the chat gets its answer. Otherwise an interrupted run stays interrupted.
    /// </summary>
    public bool RequeueOnInterrupted
    {
        get => Root["retry"]?["onInterrupted"] is JsonValue v && v.TryGetValue<string>(out var policy) && policy == "requeue";
        set
        {
            if (value)
            {
                Root["retry"] = new JsonObject { ["onInterrupted"] = "requeue" };
            }
            else
            {
                Root.Remove("retry");
            }
        }
    }

    /// <summary>
    /// What a person wrote about the task (<c>notes.text</c>, Set-MsgcodeTask -Notes), or null. Its own key, apart
    /// from <c>notes.lastSummary</c>, because a run's end overwrites the summary and notes must outlive runs.
    /// </summary>
    public string? Notes
    {
        get => Object("notes")["text"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;
        set => Object("notes")["text"] = value;
    }

    /// <summary>Why the task was closed (<c>notes.closeReason</c>), when a reason was given.</summary>
    public string? CloseReason
    {
        get => Object("notes")["closeReason"] is JsonValue v && v.TryGetValue<string>(out var reason) ? reason : null;
        set => Object("notes")["closeReason"] = value;
    }

    public static TaskDocument Create(string id, string title, string prompt, string runnerKind, string? model, string[] files, string workspacePath, long nowMs, string? chatGuid = null)
    {
        var root = new JsonObject
        {
            ["id"] = id,
            ["title"] = title,
            ["status"] = TaskStatuses.Open,
            ["createdAtMs"] = nowMs,
            ["updatedAtMs"] = nowMs,
            ["workspace"] = new JsonObject { ["path"] = workspacePath },
        };
        if (chatGuid is not null)
        {
            root["route"] = new JsonObject { ["chatGuid"] = chatGuid };
        }

        root["runner"] = new JsonObject { ["kind"] = runnerKind, ["model"] = model ?? "auto" };
        root["inputs"] = new JsonObject { ["prompt"] = prompt, ["files"] = new JsonArray(files.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()) };
        root["outputs"] = new JsonObject { ["artifacts"] = new JsonArray(), ["patches"] = new JsonArray() };
        root["notes"] = new JsonObject { ["lastSummary"] = string.Empty };
        return new TaskDocument(root);
    }

    /// <summary>Parses and validates a task file, or throws <see cref="ErrorIds.TaskFileCorrupt"/> naming the file and what is wrong.</summary>
    public static TaskDocument Parse(string path, string text, string expectedId)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw Corrupt(path, $"it is not valid JSON ({ex.Message})", ex);
        }

        if (node is not JsonObject root)
        {
            throw Corrupt(path, "it does not hold a JSON object");
        }

        RequireString(path, root, "id");
        if ((string)root["id"]! != expectedId)
        {
            throw Corrupt(path, $"its id '{(string)root["id"]!}' does not match its file name ({expectedId})");
        }

        RequireString(path, root, "title");
        RequireString(path, root, "status");
        if (!TaskStatuses.IsValid((string)root["status"]!))
        {
            throw Corrupt(path, $"its status '{(string)root["status"]!}' is not one of {string.Join(", ", TaskStatuses.All)}");
        }

        RequireLong(path, root, "createdAtMs");
        RequireLong(path, root, "updatedAtMs");
        RequireObject(path, root, "runner");
        RequireString(path, (JsonObject)root["runner"]!, "kind", "runner.kind");
        RequireObject(path, root, "inputs");
        RequireString(path, (JsonObject)root["inputs"]!, "prompt", "inputs.prompt");
        foreach (var optional in new[] { "outputs", "notes", "workspace" })
        {
            if (root[optional] is not null and not JsonObject)
            {
                throw Corrupt(path, $"'{optional}' must be an object");
            }
        }

        var document = new TaskDocument(root);
        try
        {
            _ = document.Files;
            _ = document.Artifacts;
            _ = document.Patches;
            _ = document.LastSummary;
            _ = document.Model;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            throw Corrupt(path, ex.Message, ex);
        }

        return document;
    }

    public string Serialize() => Root.ToJsonString(WriteOptions) + "\n";

    public void AddArtifacts(IEnumerable<string> paths)
    {
        var array = Object("outputs")["artifacts"] as JsonArray ?? [];
        foreach (var path in paths)
        {
            array.Add(path);
        }

        Object("outputs")["artifacts"] = array;
    }

    public void AddPatch(string path)
    {
        var array = Object("outputs")["patches"] as JsonArray ?? [];
        array.Add(path);
        Object("outputs")["patches"] = array;
    }

    public TaskDocument Clone() => new((JsonObject)Root.DeepClone());

    private JsonObject Object(string name)
    {
        if (Root[name] is not JsonObject obj)
        {
            obj = [];
            Root[name] = obj;
        }

        return obj;
    }

    /// <summary>Sets (or, for null, removes) an object member; its null fields are left out.</summary>
    private void Set(string name, JsonObject? value)
    {
        if (value is null)
        {
            Root.Remove(name);
            return;
        }

        foreach (var key in value.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            value.Remove(key);
        }

        Root[name] = value;
    }

    private static string? Str(JsonObject parent, string name) => parent[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string[] StringArray(JsonObject parent, string name)
    {
        if (parent[name] is null)
        {
            return [];
        }

        if (parent[name] is not JsonArray array)
        {
            throw new InvalidOperationException($"'{name}' must be an array of strings");
        }

        return array.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new InvalidOperationException($"'{name}' must hold only strings")).ToArray();
    }

    private static void RequireString(string path, JsonObject obj, string name, string? label = null)
    {
        if (obj[name] is not JsonValue value || !value.TryGetValue<string>(out _))
        {
            throw Corrupt(path, $"'{label ?? name}' must be a string");
        }
    }

    private static void RequireLong(string path, JsonObject obj, string name)
    {
        if (obj[name] is not JsonValue value || !value.TryGetValue<long>(out _))
        {
            if (obj[name] is JsonValue d && d.TryGetValue<double>(out var number) && number == Math.Floor(number))
            {
                obj[name] = (long)number;
                return;
            }

            throw Corrupt(path, $"'{name}' must be a whole number (milliseconds since 1970)");
        }
    }

    private static void RequireObject(string path, JsonObject obj, string name)
    {
        if (obj[name] is not JsonObject)
        {
            throw Corrupt(path, $"'{name}' must be an object");
        }
    }

    internal static MsgcodeException Corrupt(string path, string reason, Exception? inner = null)
        => new(ErrorIds.TaskFileCorrupt, MsgcodeErrorCategory.InvalidData, path,
            $"The task file '{path}' cannot be used: {reason}. It is left as it is; repair it by hand (or restore it from version control).", inner);
}
