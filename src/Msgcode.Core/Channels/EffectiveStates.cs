using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;

namespace Msgcode.Core.Channels;

/// <summary>
/// Builds <see cref="EffectiveState"/>: the route, runner, model, policy, sender access, memory injection and jobs of
/// a chat or workspace, each with its source. It reads exactly what the daemon reads (routes.json, the configuration
/// layers, jobs.json) and writes nothing; a file it cannot read is reported in the answer, never thrown.
/// It lives in Channels because it needs routes, jobs and memory settings, which are all below it.
/// </summary>
public static class EffectiveStates
{
    /// <summary>A chat, as a person types it (GUID, normalized id or a unique ending); <paramref name="sender"/> is optional.</summary>
    public static EffectiveState ForChat(MsgcodeHome home, string chat, string? sender, IReadOnlyDictionary<string, string>? environment = null)
    {
        var problems = new List<string>();
        var routes = new RouteStore(home);
        ChatRoute? route = null;
        try
        {
            route = routes.FindTyped(chat);
        }
        catch (MsgcodeException ex)
        {
            problems.Add($"{ex.ErrorId}: {ex.Message}");
        }

        var chatGuid = route?.ChatGuid ?? chat;
        var active = route is { Status: not RouteStatuses.Archived } ? route : null;
        var config = ConfigResolver.Resolve(new ConfigSources(home, active?.Workspace is { } w && Directory.Exists(w) ? w : null, environment));
        var user = ConfigResolver.Resolve(new ConfigSources(home, null, environment)); // what the daemon decides senders with
        var routeFact = route is null
            ? new StateFact { Aspect = "route", Value = "none: a message gets the /bind hint", Source = "Route", Path = routes.Path }
            : RouteFact(route, routes.Path);
        var runner = active is null ? FromEntry("runner", config["runner.default"]) : RunnerOf(active, config, routes.Path);
        var isGroup = RouteStore.IsGroupChat(chatGuid);
        var (served, reason) = sender is null ? ((bool?)null, (string?)null) : Judge(user, chatGuid, isGroup, sender, active);
        var jobs = Jobs(home, problems, j => j.Delivery.ChatGuid is { } to && SameChat(to, chatGuid));
        return Build(config, user, chatGuid, isGroup, active?.Workspace, [routeFact], runner, sender, served, reason, jobs, problems);
    }

    /// <summary>A workspace: the routes bound to it, its runner.default, and the jobs that run in it or deliver to its chats.</summary>
    public static EffectiveState ForWorkspace(MsgcodeHome home, string workspace, string? sender, IReadOnlyDictionary<string, string>? environment = null)
    {
        var problems = new List<string>();
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workspace));
        var store = new RouteStore(home);
        var bound = new List<ChatRoute>();
        try
        {
            bound = store.List().Where(r => string.Equals(Path.TrimEndingDirectorySeparator(r.Workspace), full, StringComparison.Ordinal)).ToList();
        }
        catch (MsgcodeException ex)
        {
            problems.Add($"{ex.ErrorId}: {ex.Message}");
        }

        var config = ConfigResolver.Resolve(new ConfigSources(home, full, environment));
        var user = ConfigResolver.Resolve(new ConfigSources(home, null, environment));
        var routes = bound.Count == 0
            ? [new StateFact { Aspect = "route", Value = "none: no chat is bound to this workspace", Source = "Route", Path = store.Path }]
            : bound.Select(r => RouteFact(r, store.Path)).ToList();
        string? reason = null;
        bool? served = null;
        if (sender is not null)
        {
            // Without a chat, a direct chat is assumed; a group's owner-only rule is named in the reason.
            (served, reason) = Judge(user, string.Empty, isGroup: false, sender, bound.FirstOrDefault(r => r.Status == RouteStatuses.Active));
        }

        var chats = bound.Select(r => r.ChatGuid).ToList();
        var jobs = Jobs(home, problems, j => string.Equals(Path.TrimEndingDirectorySeparator(j.Action.Workspace ?? string.Empty), full, StringComparison.Ordinal)
                                              || (j.Delivery.ChatGuid is { } to && chats.Any(c => SameChat(to, c))));
        return Build(config, user, null, null, full, routes, FromEntry("runner", config["runner.default"]), sender, served, reason, jobs, problems);
    }

    /// <summary>Where a configuration value comes from, in words a chat can show: the default, a variable, or a layer and its file.</summary>
    public static string Origin(ConfigEntry entry) => entry.Source switch
    {
        nameof(ConfigLayer.Default) => "the default",
        nameof(ConfigLayer.Environment) => $"environment variable {entry.SourceVariable ?? entry.EnvironmentVariable}",
        _ => $"{entry.Source} layer, {PathOf(entry)}",
    };

    /// <summary>A configuration key as a fact: its value, layer and file.</summary>
    public static StateFact FromEntry(string aspect, ConfigEntry entry)
        => new() { Aspect = aspect, Value = Show(entry.Value), Source = entry.Source, Path = PathOf(entry) };

    /// <summary>The runner a chat's messages use: the route's own, else the workspace's runner.default.</summary>
    internal static StateFact RunnerOf(ChatRoute route, ConfigReport config, string routesPath)
        => route.Runner is { } own
            ? new StateFact { Aspect = "runner", Value = own, Source = "Route", Path = routesPath }
            : FromEntry("runner", config["runner.default"]);

    /// <summary>The model a runner is asked for: lmstudio.model for lmstudio; other runners use their own default.</summary>
    internal static StateFact ModelOf(string runner, ConfigReport config)
        => runner == "lmstudio"
            ? FromEntry("model", config["lmstudio.model"])
            : new StateFact { Aspect = "model", Value = $"the {runner} runner's own default", Source = nameof(ConfigLayer.Default) };

    private static EffectiveState Build(ConfigReport config, ConfigReport user, string? chat, bool? isGroup, string? workspace, IReadOnlyList<StateFact> routes,
        StateFact runner, string? sender, bool? served, string? reason, IReadOnlyList<StateFact> jobs, List<string> problems)
    {
        var inject = config["memory.inject"];
        var memory = FromEntry("memory", inject) is var fact && inject.RawValue is true
            ? new StateFact { Aspect = fact.Aspect, Value = $"on: top {config["memory.injectTop"].Value}, at most {config["memory.injectMaxChars"].Value} chars", Source = fact.Source, Path = fact.Path }
            : new StateFact { Aspect = fact.Aspect, Value = "off", Source = fact.Source, Path = fact.Path };
        return new EffectiveState
        {
            Chat = chat,
            IsGroup = isGroup,
            Workspace = workspace,
            Routes = routes,
            Runner = runner,
            Model = ModelOf(runner.Value, config),
            Policy = FromEntry("policy", config["policy.mode"]),
            Sender = sender,
            Served = served,
            Reason = reason,
            Access = new[] { "whitelist.emails", "whitelist.phones", "whitelist.owners", "channel.ownerOnlyInGroup" }.Select(k => FromEntry(k, user[k])).ToList(),
            Memory = memory,
            Jobs = jobs,
            Problems = problems,
            Keys = config.Entries,
        };
    }

    /// <summary>What the daemon's <see cref="SenderPolicy"/> decides for this sender in this chat, and why, with the deciding keys' files.</summary>
    private static (bool?, string?) Judge(ConfigReport user, string chat, bool isGroup, string sender, ChatRoute? route)
    {
        var message = new InboundMessage { Rowid = 0, ChatGuid = chat, Sender = sender, IsGroup = isGroup };
        var allowed = SenderPolicy.IsAllowed(user, message, out var why);
        string reason;
        if (allowed)
        {
            var key = SenderPolicy.WhitelistKeyOf(user, sender)!;
            reason = $"served: {sender} is in {key} ({Origin(user[key])})";
            var onlyOwners = user["channel.ownerOnlyInGroup"];
            if (isGroup && onlyOwners.RawValue is true)
            {
                reason += $"; owner-only in groups is on ({Origin(onlyOwners)}) and {sender} is in whitelist.owners ({Origin(user["whitelist.owners"])})";
            }

            reason += route is null ? "; the chat is not bound, so a message gets the /bind hint" : string.Empty;
        }
        else
        {
            reason = why switch
            {
                "whitelist empty" => "refused: the whitelist is empty (whitelist.emails and whitelist.phones are unset), so nobody is served",
                "owner only in groups" => $"refused: this is a group chat, owner-only in groups is on ({Origin(user["channel.ownerOnlyInGroup"])}) " +
                                          $"and {sender} is not in whitelist.owners ({Origin(user["whitelist.owners"])})",
                _ => $"refused: {sender} is in neither whitelist.emails ({Origin(user["whitelist.emails"])}) nor whitelist.phones ({Origin(user["whitelist.phones"])})",
            };
        }

        return (allowed, reason);
    }

    private static List<StateFact> Jobs(MsgcodeHome home, List<string> problems, Func<JobDefinition, bool> selected)
    {
        var snapshot = new JobStore(home).Load();
        if (snapshot.Problem is { } problem)
        {
            problems.Add($"{problem.ErrorId}: {problem}");
        }

        return snapshot.Jobs.Where(selected).Select(j => new StateFact
        {
            Aspect = j.Id,
            Value = $"{j.Name} ({(j.Enabled ? "enabled" : "disabled")}, delivery {j.Delivery.Mode}{(j.Delivery.ChatGuid is { } to ? " to " + to : string.Empty)})",
            Source = "Jobs",
            Path = home.JobsFile,
        }).ToList();
    }

    private static StateFact RouteFact(ChatRoute route, string path)
        => new() { Aspect = route.ChatGuid, Value = $"{route.Status}, {route.Label} -> {route.Workspace}{(route.WorkspaceExists ? string.Empty : " (folder missing)")}", Source = "Route", Path = path };

    private static bool SameChat(string a, string b)
        => string.Equals(a, b, StringComparison.Ordinal) || string.Equals(RouteStore.NormalizeChatId(a), RouteStore.NormalizeChatId(b), StringComparison.Ordinal);

    private static string? PathOf(ConfigEntry entry) => entry.SourcePath is null ? null : entry.SourceLine is int line ? $"{entry.SourcePath}:{line}" : entry.SourcePath;

    private static string Show(object? value) => value switch
    {
        null => "(unset)",
        bool b => b ? "on" : "off",
        string[] { Length: 0 } => "(none)",
        IEnumerable<string> list when value is not string => string.Join(", ", list),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
