using System.Text.Json.Nodes;

namespace Msgcode.Core.Tasks;

/// <summary>
/// The members of a task that came from a chat or reports to one: its chat and message (<c>route</c>), the session the
/// chat continues, where a job's results go (<c>delivery</c>), and the reply about to be sent (<c>reply</c>).
/// </summary>
public sealed partial class TaskDocument
{
    /// <summary>A chat's task: its run continues the chat's agent session (the newest one of the chat's tasks since a /new).</summary>
    public bool ContinuesChatSession
    {
        get => Root["route"] is JsonObject route && route["continueSession"] is JsonValue v && v.TryGetValue<bool>(out var on) && on;
        set => RouteObject()["continueSession"] = value;
    }

    /// <summary>Set by a chat's /new on its newest task: the chat's next task starts a fresh session.</summary>
    public bool SessionReset
    {
        get => Root["route"] is JsonObject route && route["sessionReset"] is JsonValue v && v.TryGetValue<bool>(out var on) && on;
        set => RouteObject()["sessionReset"] = value;
    }

    private JsonObject RouteObject() => Root["route"] as JsonObject ?? throw new InvalidOperationException("Only a chat's task has a route.");

    public string? ChatGuid => Root["route"] is JsonObject route ? (string?)route["chatGuid"] : null;

    /// <summary>A chat's task: the row id of the chat message it was made from (<c>route.rowid</c>).</summary>
    public long? ChatRowid
    {
        get => Root["route"]?["rowid"] is JsonValue v && v.TryGetValue<long>(out var rowid) ? rowid : null;
        set => RouteObject()["rowid"] = value;
    }

    /// <summary>A chat's task: the run whose outcome was last sent to the chat (<c>route.repliedRunId</c>), so it is sent once.</summary>
    public string? RepliedRunId
    {
        get => Root["route"]?["repliedRunId"] is JsonValue v && v.TryGetValue<string>(out var runId) ? runId : null;
        set
        {
            if (Root["route"] is not JsonObject route)
            {
                route = [];
                Root["route"] = route;
            }

            route["repliedRunId"] = value;
        }
    }

    /// <summary>A job's task: the chat its results go to (<c>delivery</c>), or null. See <see cref="TaskDelivery"/>.</summary>
    public TaskDelivery? Delivery
    {
        get => Root["delivery"] is JsonObject d && Str(d, "chatGuid") is { Length: > 0 } chat
            ? new TaskDelivery(chat, Str(d, "on") ?? TaskDelivery.OnAnswer, Str(d, "jobId"), Str(d, "jobName")) { ErrorId = Str(d, "errorId"), ErrorMessage = Str(d, "errorMessage") }
            : null;
        set => Set("delivery", value is null ? null : new JsonObject
        {
            ["chatGuid"] = value.ChatGuid, ["on"] = value.On, ["jobId"] = value.JobId, ["jobName"] = value.JobName, ["errorId"] = value.ErrorId, ["errorMessage"] = value.ErrorMessage,
        });
    }

    /// <summary>The mark of a reply about to be sent (<c>reply</c>), or null. See <see cref="ReplyMark"/>.</summary>
    public ReplyMark? ReplyMark
    {
        get => Root["reply"] is JsonObject r && Str(r, "runId") is { } runId && Str(r, "chatGuid") is { } chat && r["sendingAtMs"] is JsonValue at && at.TryGetValue<long>(out var sendingAtMs)
            ? new ReplyMark(runId, chat, sendingAtMs, Str(r, "textSha") ?? string.Empty, r["hasFile"] is JsonValue f && f.TryGetValue<bool>(out var file) && file)
            : null;
        set => Set("reply", value is null ? null : new JsonObject
        {
            ["runId"] = value.RunId, ["chatGuid"] = value.ChatGuid, ["sendingAtMs"] = value.SendingAtMs, ["textSha"] = value.TextSha, ["hasFile"] = value.HasFile,
        });
    }
}
