using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;

namespace Msgcode.Core.Channels;

/// <summary>
/// Where jobs' results may go: a chat with an active route. Checked when a job is given a chat
/// (New-MsgcodeJob/Set-MsgcodeJob -DeliverTo, which take the chat as Get-MsgcodeRoute does) and again at each
/// firing, since a route can be removed in between. It lives in Channels because routes.json does; the jobs
/// layer below gets the check as a function.
/// </summary>
public static class JobDeliveries
{
    /// <summary>
    /// The route of the chat a person typed (GUID, normalized id, or a unique last 4–8 characters of it), which must
    /// be active; else <see cref="ErrorIds.RouteNotFound"/>. Its <see cref="ChatRoute.ChatGuid"/> is what the job stores.
    /// </summary>
    public static ChatRoute RequireActiveRoute(RouteStore routes, string typed)
    {
        var route = routes.FindTyped(typed.Trim());
        if (route is { Status: RouteStatuses.Active })
        {
            return route;
        }

        throw new MsgcodeException(ErrorIds.RouteNotFound, MsgcodeErrorCategory.ObjectNotFound, typed, route is null
            ? $"No chat route matches '{typed}', so a job cannot deliver there. Get-MsgcodeRoute lists the bound chats (a chat is named by its GUID, its id, or the last characters of it); Set-MsgcodeRoute binds one."
            : $"The route of chat '{route.ChatGuid}' is {route.Status}, so a job cannot deliver there. Make it active with Set-MsgcodeRoute '{route.ChatGuid}' -Status active, or choose another chat.");
    }

    /// <summary>
    /// At a firing: why the chat (its GUID as the job stores it) cannot take the result now — its route removed,
    /// archived or paused (<see cref="ErrorIds.RouteNotFound"/>), or routes.json unreadable — or null.
    /// </summary>
    public static MsgcodeException? RouteProblem(RouteStore routes, string chatGuid)
    {
        ChatRoute? route;
        try
        {
            route = routes.Find(chatGuid);
        }
        catch (MsgcodeException ex)
        {
            return ex;
        }

        return route is { Status: RouteStatuses.Active } ? null : new MsgcodeException(ErrorIds.RouteNotFound, MsgcodeErrorCategory.ObjectNotFound, chatGuid,
            $"the chat '{chatGuid}' has no active route any more ({route?.Status ?? "removed"}). Bind it again with Set-MsgcodeRoute, or change the job's delivery with Set-MsgcodeJob -DeliverTo <chat> (or -DeliverTo '' for none).");
    }

    /// <summary>The workspaces of the jobs that deliver to a chat (where their tasks are), from jobs.json; none when it cannot be read.</summary>
    public static IEnumerable<string> Workspaces(MsgcodeHome home)
    {
        var snapshot = new JobStore(home).Load();
        return snapshot.Jobs.Where(j => j.Delivery.Mode == JobDelivery.Chat && !string.IsNullOrEmpty(j.Action.Workspace)).Select(j => j.Action.Workspace).ToList();
    }
}
