using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>The doctor's channel category: the iMessage channel.</summary>
internal static class ChannelChecks
{
    /// <summary>The iMessage channel: imsg and its version, the whitelist, routes to missing workspaces, the last inbound message.</summary>
    internal static IEnumerable<DoctorCheck> Run(DoctorContext context, ConfigReport config)
    {
        var imsgSetting = config.GetString("imsg.path");
        var on = !string.IsNullOrWhiteSpace(imsgSetting);
        if (!on)
        {
            yield return Check("channel", "imsg", CheckStatuses.Skip, "The iMessage channel is off: imsg.path is not set.");
        }
        else
        {
            var imsg = MsgcodeHome.ExpandHome(imsgSetting!);
            if (!File.Exists(imsg))
            {
                yield return Check("channel", "imsg", CheckStatuses.Fail, $"imsg.path names '{imsg}', which does not exist.", "Build imsg (steipete/imsg v0.4.0) and run: Set-MsgcodeConfig imsg.path <path-to-imsg>", new() { ["path"] = imsg });
            }
            else if (Channels.ImsgChannel.ProbeVersion(imsg, TimeSpan.FromSeconds(5)) is { } version)
            {
                yield return ImsgVersion(imsg, version);
            }
            else
            {
                yield return Check("channel", "imsg", CheckStatuses.Warn, $"'{imsg}' exists but 'imsg --version' failed.", "Check that imsg runs: <path-to-imsg> --version (on macOS it needs Full Disk Access for Messages).", new() { ["path"] = imsg });
            }
        }

        yield return MessagesAccessCheck.Run(context, on);

        var emails = config.GetRaw("whitelist.emails") as string[] ?? [];
        var phones = config.GetRaw("whitelist.phones") as string[] ?? [];
        var counts = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["emails"] = emails.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), ["phones"] = phones.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        yield return emails.Length + phones.Length > 0
            ? Check("channel", "whitelist", CheckStatuses.Pass, $"{emails.Length + phones.Length} sender handle(s) are served.", details: counts)
            : Check("channel", "whitelist", on ? CheckStatuses.Fail : CheckStatuses.Skip, "The whitelist is empty: every message is rejected.", "Set-MsgcodeConfig whitelist.emails you@example.com (or whitelist.phones +15551234567)", counts);

        IReadOnlyList<Channels.ChatRoute>? routes = null;
        string? routesProblem = null;
        try
        {
            routes = new Channels.RouteStore(context.Home).List().Where(r => r.Status != Channels.RouteStatuses.Archived).ToList();
        }
        catch (MsgcodeException ex)
        {
            routesProblem = ex.Message;
        }

        if (routes is null)
        {
            yield return Check("channel", "routes", CheckStatuses.Fail, routesProblem!, $"Repair or remove {context.Home.RoutesFile}, then bind chats again with Set-MsgcodeRoute.");
        }
        else if (routes.Count == 0)
        {
            yield return Check("channel", "routes", on ? CheckStatuses.Warn : CheckStatuses.Skip, "No chat is bound to a workspace.", "Send /bind <folder> in a chat, or run Set-MsgcodeRoute <chatGuid> <workspace>.");
        }
        else
        {
            var missing = routes.Where(r => !r.WorkspaceExists).ToList();
            var details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["routes"] = routes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            foreach (var route in missing)
            {
                details["missing:" + route.ChatGuid] = route.Workspace;
            }

            yield return missing.Count == 0
                ? Check("channel", "routes", CheckStatuses.Pass, $"{routes.Count} chat(s) bound; every workspace exists.", details: details)
                : Check("channel", "routes", CheckStatuses.Warn, $"{missing.Count} route(s) point at a missing workspace: {string.Join(", ", missing.Select(r => r.Workspace))}.",
                    "Recreate the folder, bind the chat elsewhere (Set-MsgcodeRoute <chatGuid> <workspace>), or archive it (Remove-MsgcodeRoute <chatGuid>).", details);
        }

        IReadOnlyDictionary<string, Channels.ChatCursor>? cursors = null;
        string? stateProblem = null;
        try
        {
            cursors = new Channels.ChatCursorStore(context.Home).ReadAll();
        }
        catch (MsgcodeException ex)
        {
            stateProblem = ex.Message;
        }

        if (cursors is null)
        {
            yield return Check("channel", "inbound", CheckStatuses.Fail, stateProblem!, $"Repair {context.Home.StateFile}: without it the channel starts from a minute ago.");
        }
        else if (cursors.Count == 0)
        {
            yield return Check("channel", "inbound", on ? CheckStatuses.Warn : CheckStatuses.Skip, "No message has been received yet.", "Start the daemon (Start-MsgcodeDaemon) and send a message from a whitelisted handle.");
        }
        else
        {
            var last = cursors.Values.Where(c => c.LastSeenAt is not null).OrderByDescending(c => c.LastSeenAt).FirstOrDefault() ?? cursors.Values.First();
            var details = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["chats"] = cursors.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["lastInboundRowid"] = cursors.Values.Max(c => c.LastSeenRowid).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["lastInboundAt"] = last.LastSeenAt?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? "unknown",
            };
            var stale = on && last.LastSeenAt is { } at && DateTimeOffset.UtcNow - at > TimeSpan.FromDays(7);
            yield return stale
                ? Check("channel", "inbound", CheckStatuses.Warn, $"The last message arrived more than 7 days ago ({details["lastInboundAt"]}).", "Check that the daemon runs (Get-MsgcodeDaemon) and imsg can read Messages (Get-MsgcodeLog -Tail 50).", details)
                : Check("channel", "inbound", CheckStatuses.Pass, $"Last message handled at {details["lastInboundAt"]} (row {details["lastInboundRowid"]}).", details: details);
        }
    }

    /// <summary>The oldest imsg whose rpc protocol msgcode speaks (steipete/imsg v0.4.0: JSON-RPC over stdio).</summary>
    internal static readonly Version MinimumImsgVersion = new(0, 4, 0);

    /// <summary>imsg answered <paramref name="answer"/> to --version: too old to speak the rpc protocol is a warning, and so is an answer without a version number.</summary>
    internal static DoctorCheck ImsgVersion(string imsg, string answer)
    {
        var details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["path"] = imsg, ["version"] = answer, ["minimum"] = MinimumImsgVersion.ToString(3) };
        var match = System.Text.RegularExpressions.Regex.Match(answer, @"(\d+)\.(\d+)(?:\.(\d+))?");
        if (!match.Success)
        {
            return Check("channel", "imsg", CheckStatuses.Warn, $"imsg answers '{answer}', which names no version; msgcode needs imsg {details["minimum"]} or newer.",
                $"Check that '{imsg}' is steipete/imsg {details["minimum"]} or newer: <path-to-imsg> --version", details);
        }

        var found = new Version(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
            match.Groups[3].Success ? int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0);
        return found < MinimumImsgVersion
            ? Check("channel", "imsg", CheckStatuses.Warn, $"imsg {found.ToString(3)} is older than {details["minimum"]}, the first with the rpc protocol msgcode speaks.",
                $"Build steipete/imsg {details["minimum"]} or newer and run: Set-MsgcodeConfig imsg.path <path-to-imsg>", details)
            : Check("channel", "imsg", CheckStatuses.Pass, $"imsg answers: {answer}", details: details);
    }
}
