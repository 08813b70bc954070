using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Runners;

namespace Msgcode.Core.Channels;

/// <summary>
/// The original msgcode's settings commands: /model, /policy, /owner, /owner-only, /loglevel and /reload. Any
/// whitelisted sender may look; only an owner (whitelist.owners) may change, so a whitelisted guest in a group cannot
/// switch the runner or open the egress gate. Every change goes through the configuration's state or workspace layer
/// (or the chat's route), never .env, and the daemon re-reads its configuration at once: the next message sees it.
/// </summary>
public sealed partial class ChannelService
{
    private static readonly string[] LooseModes = ["full", "on", "egress", "allow", "open", "egress-allowed"];

    private static readonly string[] TightModes = ["limit", "off", "local", "deny", "closed", "local-only"];

    /// <summary>/model: the chat's runner and model; /model &lt;runner&gt; (owner) sets the route's runner, /model default clears it.</summary>
    private string Model(InboundMessage message, string args)
    {
        var route = RequireRoute(message.ChatGuid);
        var config = WorkspaceConfig(route.Workspace);
        var runners = _queue.Runners;
        var available = string.Join(", ", runners.Kinds.Order(StringComparer.Ordinal));
        if (args.Length == 0)
        {
            var runner = EffectiveStates.RunnerOf(route, config, _routes!.Path);
            var model = EffectiveStates.ModelOf(runner.Value, config);
            return $"Runner: {runner}\nModel: {model}\nAvailable: {available}\n/model <runner> changes this chat's runner, /model default returns to runner.default (owner only).";
        }

        RequireOwner(message, "change this chat's runner (/model)");
        var name = args.Trim().ToLowerInvariant();
        if (name == "default")
        {
            route = _routes!.SetRunner(route.ChatGuid, null);
            return $"This chat uses the workspace's runner.default again: {EffectiveStates.RunnerOf(route, config, _routes.Path)}.";
        }

        var kind = Runners.RunnerNames.Require(runners.Kinds, name, whatNext: "Nothing was changed.");

        var policy = config["policy.mode"];
        if (SendsOff(runners, kind, (string)policy.RawValue!, route.Workspace))
        {
            var local = runners.Kinds.Where(k => !SendsOff(runners, k, "local-only", route.Workspace)).Order(StringComparer.Ordinal);
            throw new MsgcodeException(ErrorIds.RunnerBlockedByPolicy, MsgcodeErrorCategory.SecurityError, kind,
                $"The {kind} runner sends data off this machine, and policy.mode is local-only for this workspace ({EffectiveStates.Origin(policy)}). " +
                $"/policy egress-allowed allows it (owner only), or pick a local runner: {string.Join(", ", local)}. Nothing was changed.");
        }

        route = _routes!.SetRunner(route.ChatGuid, kind);
        return $"This chat's runner is now {kind} (its route in {_routes.Path}).\nModel: {EffectiveStates.ModelOf(kind, config)}";
    }

    /// <summary>/policy: policy.mode of the chat's workspace; /policy &lt;mode&gt; (owner) sets it in the workspace's layer.</summary>
    private string Policy(InboundMessage message, string args)
    {
        var route = RequireRoute(message.ChatGuid);
        var entry = WorkspaceConfig(route.Workspace)["policy.mode"];
        if (args.Length == 0)
        {
            return $"policy.mode: {entry.Value} ({EffectiveStates.Origin(entry)}). local-only refuses runners that send data off this machine.\n" +
                   "/policy local-only or /policy egress-allowed changes it for this workspace (owner only).";
        }

        RequireOwner(message, "change the policy (/policy)");
        var asked = args.Trim().ToLowerInvariant();
        var mode = LooseModes.Contains(asked) ? "egress-allowed" : TightModes.Contains(asked) ? "local-only"
            : throw new MsgcodeException(ErrorIds.ConfigValueInvalid, MsgcodeErrorCategory.InvalidArgument, args,
                $"'{args}' is not a policy mode: local-only (also limit, off, local, deny, closed) or egress-allowed (also full, on, egress, allow, open). Nothing was changed.");
        var key = ConfigSchema.Find("policy.mode")!;
        var sources = new ConfigSources(_context!.Home, route.Workspace);
        if (mode == "egress-allowed")
        {
            // A workspace may only tighten: it can drop its own local-only, never loosen what the user set.
            var user = ConfigResolver.Resolve(new ConfigSources(_context.Home))["policy.mode"];
            if (Equals(user.RawValue, "local-only"))
            {
                throw new MsgcodeException(ErrorIds.ConfigWorkspaceCannotLoosen, MsgcodeErrorCategory.PermissionDenied, user.SourcePath ?? key.Name,
                    $"policy.mode stays local-only: it is set for the whole user ({EffectiveStates.Origin(user)}), and a workspace may only tighten it. " +
                    "Change it there, on this machine: Set-MsgcodeConfig policy.mode egress-allowed (or edit that file). Nothing was changed.");
            }

            var removed = ConfigStore.Unset(sources, key, workspace: true);
            return $"policy.mode is {removed.Effective.Value} for this workspace ({EffectiveStates.Origin(removed.Effective)}).";
        }

        var change = ConfigStore.Set(sources, key, mode, workspace: true);
        return change.ShadowedBy is null
            ? $"policy.mode is local-only for this workspace ({change.Path}): runners that send data off this machine are refused."
            : $"Saved local-only in {change.Path}, but {change.ShadowedBy} sets policy.mode above the workspace, so it stays {change.Effective.Value}. Change it there.";
    }

    /// <summary>/owner: the owners; /owner &lt;handle&gt; adds one (an owner only; the very first owner only themself, in a direct chat).</summary>
    private string Owner(InboundMessage message, string args)
    {
        var config = _context!.Config;
        var owners = config.GetRaw("whitelist.owners") as string[] ?? [];
        if (args.Length == 0)
        {
            var onlyInGroup = config["channel.ownerOnlyInGroup"];
            return owners.Length == 0
                ? "There is no owner yet. Send /owner me in a direct (1:1) chat to become the owner."
                : $"Owners: {string.Join(", ", owners)} ({EffectiveStates.Origin(config["whitelist.owners"])}).\n" +
                  $"Owner only in groups: {(onlyInGroup.RawValue is true ? "on" : "off")} ({EffectiveStates.Origin(onlyInGroup)}).";
        }

        var handle = args.Trim() is "me" ? message.Sender.Trim() : args.Trim();
        if (owners.Length == 0)
        {
            if (message.IsGroup || !SenderPolicy.SameHandle(handle, message.Sender))
            {
                throw new MsgcodeException(ErrorIds.ChatCommandOwnerOnly, MsgcodeErrorCategory.PermissionDenied, "whitelist.owners",
                    "There is no owner yet, and the first owner can only make themself owner: send /owner me in a direct (1:1) chat, not in a group. Nothing was changed.");
            }
        }
        else
        {
            RequireOwner(message, "add an owner (/owner)");
        }

        if (handle.Length is 0 or > 200 || handle.Contains(',') || (!handle.Contains('@') && handle.Count(char.IsDigit) < 7))
        {
            throw new MsgcodeException(ErrorIds.ConfigValueInvalid, MsgcodeErrorCategory.InvalidArgument, "whitelist.owners",
                "An owner is an e-mail address or a phone number with its country code (+1 555 123 4567). Nothing was changed.");
        }

        if (SenderPolicy.IsOwner(config, handle))
        {
            return $"{handle} is an owner already.";
        }

        var change = SaveSetting("whitelist.owners", owners.Append(handle).ToArray(), reload: false);
        var served = string.Empty;
        if (SenderPolicy.WhitelistKeyOf(config, handle) is null)
        {
            // An owner the whitelist does not serve could not use the title: served too, as in the original.
            var listKey = handle.Contains('@') ? "whitelist.emails" : "whitelist.phones";
            SaveSetting(listKey, (config.GetRaw(listKey) as string[] ?? []).Append(handle).ToArray(), reload: false);
            served = $" and is served ({listKey})";
        }

        _context.ReloadConfiguration();
        return $"{handle} is an owner now{served} (whitelist.owners in {change.Path}).{Shadowed(change)}";
    }

    /// <summary>/owner-only on|off (owner): whether groups are served only for the owners (channel.ownerOnlyInGroup).</summary>
    private string OwnerOnly(InboundMessage message, string args)
    {
        var entry = _context!.Config["channel.ownerOnlyInGroup"];
        if (args.Length == 0)
        {
            return $"Owner only in groups: {(entry.RawValue is true ? "on" : "off")} ({EffectiveStates.Origin(entry)}). /owner-only on|off changes it (owner only).";
        }

        RequireOwner(message, "switch owner-only mode (/owner-only)");
        bool on = args.Trim().ToLowerInvariant() switch
        {
            "on" or "true" or "yes" or "1" => true,
            "off" or "false" or "no" or "0" => false,
            _ => throw new MsgcodeException(ErrorIds.ConfigValueInvalid, MsgcodeErrorCategory.InvalidArgument, args, "Use /owner-only on or /owner-only off. Nothing was changed."),
        };
        var change = SaveSetting("channel.ownerOnlyInGroup", on);
        return $"Owner only in groups: {(on ? "on: in groups only the owners are served" : "off: in groups every whitelisted sender is served")} ({change.Path}).{Shadowed(change)}";
    }

    /// <summary>/loglevel: the daemon's log level; /loglevel &lt;level&gt; (owner) sets it, in force at once.</summary>
    private string LogLevel(InboundMessage message, string args)
    {
        var entry = _context!.Config["log.level"];
        if (args.Length == 0)
        {
            return $"log.level: {entry.Value} ({EffectiveStates.Origin(entry)}). /loglevel debug|info|warn|error changes it (owner only).";
        }

        RequireOwner(message, "change the log level (/loglevel)");
        var value = ConfigStore.Validate(ConfigSchema.Find("log.level")!, args.Trim().ToLowerInvariant());
        var change = SaveSetting("log.level", value);
        return $"log.level is {change.Effective.Value} now ({change.Path}).{Shadowed(change)}";
    }

    /// <summary>/reload: the configuration (whitelist, owners, log level), routes.json and jobs.json are read again now.</summary>
    private string Reload()
    {
        _context!.ReloadConfiguration();
        var config = _context.Config;
        var lines = new List<string> { "Reloaded." };
        lines.Add(config.Problems.Count == 0
            ? "Configuration: read."
            : $"Configuration: read, with {config.Problems.Count} problem(s) ({string.Join(", ", config.Problems.Select(p => p.ErrorId).Distinct())}); Get-MsgcodeEffectiveConfig shows them.");
        try
        {
            lines.Add($"Routes: {_routes!.List().Count(r => r.Status == RouteStatuses.Active)} active ({_routes.Path}).");
        }
        catch (MsgcodeException ex)
        {
            lines.Add($"Routes: {ex.ErrorId}: {ex.Message}");
        }

        if (_options.Jobs is { } jobs)
        {
            var (count, path, problem) = jobs.ReloadNow();
            lines.Add(problem is null
                ? $"Jobs: {count} ({path})."
                : $"Jobs: {problem.ErrorId}: {problem}. The last good schedule ({count} job(s)) is kept until the file is fixed.");
        }

        return string.Join("\n", lines);
    }

    /// <summary>Throws <see cref="ErrorIds.ChatCommandOwnerOnly"/> unless the sender is an owner; says how owners are made.</summary>
    private void RequireOwner(InboundMessage message, string what)
    {
        var config = _context!.Config;
        if (SenderPolicy.IsOwner(config, message.Sender))
        {
            return;
        }

        var how = (config.GetRaw("whitelist.owners") as string[] ?? []).Length == 0
            ? "There is no owner yet: send /owner me in a direct (1:1) chat, or on this machine: Set-MsgcodeConfig whitelist.owners <handle>."
            : "Owners are added with /owner <handle> by an owner, or on this machine: Set-MsgcodeConfig whitelist.owners <handle>.";
        throw new MsgcodeException(ErrorIds.ChatCommandOwnerOnly, MsgcodeErrorCategory.PermissionDenied, "whitelist.owners",
            $"Only an owner may {what}; nothing was changed. {how}");
    }

    /// <summary>Writes a user-wide setting into the state layer and (unless told otherwise) re-reads the daemon's configuration.</summary>
    private ConfigChange SaveSetting(string name, object value, bool reload = true)
    {
        var change = ConfigStore.Set(new ConfigSources(_context!.Home), ConfigSchema.Find(name)!, value, workspace: false);
        if (reload)
        {
            _context.ReloadConfiguration();
        }

        return change;
    }

    private static string Shadowed(ConfigChange change)
        => change.ShadowedBy is null ? string.Empty : $" It does not apply: {change.ShadowedBy} sets it above state.json; change it there.";

    private ConfigReport WorkspaceConfig(string workspace) => ConfigResolver.Resolve(new ConfigSources(_context!.Home, workspace));

    private static bool SendsOff(RunnerRegistry runners, string kind, string policyMode, string workspace)
    {
        try
        {
            RunnerPolicy.Require(runners.EntryOf(kind), policyMode, kind, runners.Find(kind), workspace);
            return false;
        }
        catch (MsgcodeException ex) when (ex.ErrorId == ErrorIds.RunnerBlockedByPolicy)
        {
            return true;
        }
    }
}
