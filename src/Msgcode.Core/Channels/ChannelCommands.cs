using System.Text;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Channels;

/// <summary>The chat commands: answered at once, outside the workspace's lane (only /run queues work).</summary>
public sealed partial class ChannelService
{
    public const string HelpText = """
        msgcode commands:
        /bind <folder> [runner]  bind this chat to a folder under the workspace root
        /where                   this chat's workspace
        /unbind                  unbind this chat (the folder is kept)
        /status                  the lane: queued and running work
        /task list               recent tasks of this workspace
        /task <id>               one task
        /run <id>                run a task (again: a done one is reopened)
        /close <id>              close a task as done
        /stop                    stop this chat's running task
        /new                     a fresh agent session from the next message on (also /clear)
        /model [runner|default]  this chat's runner and model; set it (owner)
        /policy [mode]           policy.mode of this workspace: local-only or egress-allowed; set it (owner)
        /owner [handle|me]       the owners; add one (owner; the first: /owner me in a direct chat)
        /owner-only [on|off]     in groups, serve only the owners; set it (owner)
        /loglevel [level]        the daemon's log level: debug, info, warn, error; set it (owner)
        /reload                  read settings, routes and jobs again now
        /help                    this list
        Anything else becomes a task in the bound workspace.
        """;

    private async Task CommandAsync(InboundMessage message, string text)
    {
        var match = CommandPattern().Match(text);
        var name = match.Success ? match.Groups["name"].Value.ToLowerInvariant() : string.Empty;
        var args = match.Success ? match.Groups["args"].Value.Trim() : string.Empty;
        string reply;
        try
        {
            reply = name switch
            {
                "help" => HelpText,
                "where" => Where(message.ChatGuid),
                "status" => Status(message.ChatGuid),
                "bind" => Bind(message.ChatGuid, args),
                "unbind" => Unbind(message.ChatGuid),
                "task" or "tasks" => args is "" or "list" ? TaskList(message.ChatGuid) : TaskShow(message.ChatGuid, args),
                "run" => Run(message.ChatGuid, args),
                "close" => Close(message.ChatGuid, args),
                "stop" or "esc" => Stop(message.ChatGuid),
                "new" or "clear" => NewSession(message.ChatGuid),
                "model" => Model(message, args),
                "policy" => Policy(message, args),
                "owner" => Owner(message, args),
                "owner-only" => OwnerOnly(message, args),
                "loglevel" => LogLevel(message, args),
                "reload" => Reload(),
                _ => $"Unknown command /{name}. /help lists the commands.",
            };
        }
        catch (MsgcodeException ex)
        {
            reply = $"{ex.ErrorId}: {ex.Message}";
        }

        await ReplyAsync(message.ChatGuid, reply).ConfigureAwait(false);
    }

    /// <summary>/new: the chat's next task starts a fresh agent session (its newest task is marked; nothing is deleted).</summary>
    private string NewSession(string chat)
    {
        var route = RequireRoute(chat);
        var store = new TaskStore(route.Workspace);
        var newest = store.List().Where(t => t.ChatGuid == chat).OrderByDescending(t => t.CreatedAtMs).ThenByDescending(t => t.Id, StringComparer.Ordinal).FirstOrDefault();
        if (newest is not null)
        {
            store.Update(newest.Id, d =>
            {
                if (d.SessionReset)
                {
                    return false;
                }

                d.SessionReset = true;
                return true;
            });
        }

        return "A fresh agent session starts with your next message.";
    }

    private ChatRoute? ActiveRoute(string chat) => _routes!.Find(chat) is { Status: not RouteStatuses.Archived } route ? route : null;

    private ChatRoute RequireRoute(string chat) => ActiveRoute(chat) ?? throw new MsgcodeException(ErrorIds.RouteNotFound, MsgcodeErrorCategory.ObjectNotFound, chat,
        "This chat is not bound to a workspace. Bind it with /bind <folder>.");

    private string Where(string chat)
    {
        var route = ActiveRoute(chat);
        return route is null
            ? "This chat is not bound. /bind <folder> binds it to a folder under the workspace root."
            : $"Workspace: {route.Workspace}\nLabel: {route.Label}\nRunner: {route.Runner ?? "(workspace default)"}\nStatus: {route.Status}{(route.WorkspaceExists ? string.Empty : "\nThe folder is missing.")}";
    }

    private string Status(string chat)
    {
        var info = new DaemonRuntimeInfo();
        _queue.Describe(info);
        var route = ActiveRoute(chat);
        var builder = new StringBuilder();
        builder.Append("msgcode daemon: running, ").Append(_channel?.IsConnected == true ? "imsg connected" : "imsg reconnecting").Append('\n');
        if (route is null)
        {
            builder.Append("This chat is not bound.");
        }
        else
        {
            var lane = info.Lanes.FirstOrDefault(l => string.Equals(l.Workspace, route.Workspace, StringComparison.Ordinal));
            builder.Append("Workspace: ").Append(route.Label).Append(" (").Append(route.Status).Append(")\n");
            builder.Append("Lane: ").Append(lane is null ? "idle" : $"{(lane.RunningTaskId is null ? "nothing running" : "running " + lane.RunningTaskId)}, {lane.Queued} queued");
        }

        builder.Append("\nAll lanes: ").Append(info.RunningCount).Append(" running, ").Append(info.QueueDepth).Append(" queued");
        return builder.ToString();
    }

    private string Bind(string chat, string args)
    {
        var parts = args.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            var suggestion = "workspace-" + (RouteStore.NormalizeChatId(chat) is { Length: >= 8 } id ? id[^8..] : RouteStore.NormalizeChatId(chat)).ToLowerInvariant();
            return $"Usage: /bind <folder> [runner]. For example: /bind {suggestion}";
        }

        var root = _context!.Config.GetString("workspace.root") ?? "~/msgcode-workspaces";
        var path = RouteStore.ResolveBindPath(root, parts[0]);
        var runner = parts.Length > 1 ? Runners.RunnerNames.Require(_queue.Runners.Kinds, parts[1], whatNext: "Nothing was bound.") : null; // before any folder is made

        // A symlink on the way must not lead out of workspace.root: the chat could then write anywhere.
        var realRoot = RealPaths.Resolve(Path.GetFullPath(MsgcodeHome.ExpandHome(root)));
        if (!RealPaths.IsInside(RealPaths.Resolve(path), realRoot))
        {
            throw new MsgcodeException(ErrorIds.RoutePathInvalid, MsgcodeErrorCategory.SecurityError, parts[0],
                $"'{parts[0]}' leads out of workspace.root through a symbolic link ({RealPaths.Resolve(path)}). Nothing was bound; pick another name.");
        }

        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MsgcodeException(ErrorIds.RoutePathInvalid, MsgcodeErrorCategory.WriteError, parts[0],
                $"The folder {path} cannot be made ({ex.Message}). Pick another name.", ex);
        }

        var route = _routes!.Bind(chat, path, label: parts[0], runner: runner);
        return $"Bound to {route.Label} ({route.Workspace}){(route.Runner is null ? string.Empty : ", runner " + route.Runner)}.";
    }

    private string Unbind(string chat)
    {
        var route = RequireRoute(chat);
        _routes!.SetStatus(route.ChatGuid, RouteStatuses.Archived);
        return $"Unbound. The folder {route.Workspace} is kept.";
    }

    private string TaskList(string chat)
    {
        var route = RequireRoute(chat);
        var tasks = new TaskStore(route.Workspace).List().OrderByDescending(t => t.UpdatedAtMs).Take(10).ToList();
        return tasks.Count == 0 ? "No tasks yet." : string.Join("\n", tasks.Select(t => $"{t.Id} [{t.Status}] {t.Title}"));
    }

    private string TaskShow(string chat, string id)
    {
        var route = RequireRoute(chat);
        var task = new TaskStore(route.Workspace).Get(id);
        return $"{task.Id} [{task.Status}] {task.Title}\nRunner: {task.Runner}\nUpdated: {task.UpdatedAt:yyyy-MM-dd HH:mm}{(string.IsNullOrEmpty(task.LastSummary) ? string.Empty : "\n" + task.LastSummary)}";
    }

    private string Run(string chat, string id)
    {
        var route = RequireRoute(chat);
        var store = new TaskStore(route.Workspace);
        var taskId = store.Resolve(id);
        store.Update(taskId, d =>
        {
            if (d.Status is not (TaskStatuses.Done or TaskStatuses.Canceled))
            {
                return false;
            }

            TaskStatuses.RequireTransition(taskId, d.Status, TaskStatuses.Open, force: true); // /run asks for it on purpose
            d.Status = TaskStatuses.Open;
            return true;
        });
        _pending[taskId] = chat;
        var run = _queue.EnqueueAsync(route.Workspace, taskId).GetAwaiter().GetResult(); // answered once the entry is fsynced
        return $"Queued {taskId} ({run.RunId}).";
    }

    private string Close(string chat, string id)
    {
        var route = RequireRoute(chat);
        var store = new TaskStore(route.Workspace);
        var taskId = store.Resolve(id);
        TaskEdit.Close(TaskStatuses.Done, whenRunning: "/stop it first.").Apply(store, taskId);
        return $"Closed {taskId}.";
    }

    private string Stop(string chat)
    {
        var route = RequireRoute(chat);
        var info = new DaemonRuntimeInfo();
        _queue.Describe(info);
        var lane = info.Lanes.FirstOrDefault(l => string.Equals(l.Workspace, route.Workspace, StringComparison.Ordinal));
        if (lane?.RunningTaskId is not string taskId)
        {
            return "Nothing is running.";
        }

        var document = new TaskStore(route.Workspace).ReadDocument(taskId);
        var runId = document.CurrentRun?.RunId;
        if (document.ChatGuid is not null && document.ChatGuid != route.ChatGuid && !_pending.ContainsKey(taskId))
        {
            return "The running task is not this chat's.";
        }

        return runId is not null && _queue.Cancel(runId) ? $"Stopped {taskId}." : "Nothing is running.";
    }
}
