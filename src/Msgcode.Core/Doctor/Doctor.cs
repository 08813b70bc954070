using System.Runtime.InteropServices;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Worktrees;
using Msgcode.Core.Runners;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Doctor;

public static class CheckStatuses
{
    public const string Pass = "pass";
    public const string Warn = "warn";
    public const string Fail = "fail";
    public const string Skip = "skip";
}

/// <summary>One finding of Test-MsgcodeDoctor. Its JSON is stable from run to run (no times, no durations).</summary>
public sealed class DoctorCheck
{
    public required string Category { get; init; }

    public required string Name { get; init; }

    /// <summary>pass, warn, fail or skip.</summary>
    public required string Status { get; init; }

    public required string Message { get; init; }

    /// <summary>A command or setting that fixes it (for warn and fail).</summary>
    public string? FixHint { get; init; }

    public SortedDictionary<string, string> Details { get; init; } = new(StringComparer.Ordinal);

    public override string ToString() => $"[{Status}] {Category}/{Name}: {Message}";
}

/// <summary>What the doctor looks at.</summary>
public sealed class DoctorContext
{
    public required MsgcodeHome Home { get; init; }

    public required string PowerShellVersion { get; init; }

    public required CapabilityRegistry Capabilities { get; init; }

    public required Func<RunnerEntry, bool> Implemented { get; init; }

    /// <summary>Workspaces whose tasks folder is checked.</summary>
    public IReadOnlyList<string> Workspaces { get; init; } = [];

    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}

/// <summary>
/// msgcode's doctor: environment, home and workspace root, configuration, runners, tasks, daemon and disk.
/// Warnings are warnings and failures are failures; every failing check says what to do next.
/// </summary>
public static class Doctor
{
    public static readonly IReadOnlyList<string> Categories = ["environment", "home", "configuration", "runners", "tasks", "worktrees", "jobs", "daemon", "channel", "disk"];

    public static async Task<IReadOnlyList<DoctorCheck>> RunAsync(DoctorContext context, IReadOnlyCollection<string>? categories, CancellationToken cancellationToken)
    {
        bool Wanted(string category) => categories is null || categories.Count == 0 || categories.Contains(category, StringComparer.OrdinalIgnoreCase);
        var sources = new ConfigSources(context.Home, null, context.Environment);
        var config = ConfigResolver.Resolve(sources);
        var runnerProbes = Wanted("runners")
            ? RunnerProbe.ProbeAllAsync(context.Capabilities.Entries, context.Implemented, cancellationToken, RunnerProbe.ConfigExpander(config))
            : Task.FromResult<IReadOnlyList<RunnerInfo>>([]);
        var checks = new List<DoctorCheck>();
        if (Wanted("environment")) checks.AddRange(Environment(context));
        if (Wanted("home")) checks.AddRange(HomeChecks(context, config));
        if (Wanted("configuration")) checks.AddRange(ConfigurationChecks(config).Concat(WorkspaceTrustChecks(context)));
        if (Wanted("runners")) checks.AddRange(RunnerChecks(context, config, await runnerProbes.ConfigureAwait(false)));
        if (Wanted("tasks")) checks.AddRange(TaskChecks(context));
        if (Wanted("worktrees")) checks.AddRange(WorktreeChecks(context));
        if (Wanted("jobs")) checks.AddRange(JobChecks(context));
        if (Wanted("daemon")) checks.AddRange(DaemonChecks(context));
        if (Wanted("channel")) checks.AddRange(ChannelChecks(context, config));
        if (Wanted("disk")) checks.AddRange(DiskChecks(context));
        return checks;
    }

    /// <summary>The workspaces the doctor looks at by default: <paramref name="current"/> when it has a tasks folder or its own settings, and every workspace under workspace.root that has a tasks folder.</summary>
    public static List<string> DefaultWorkspaces(MsgcodeHome home, string current)
    {
        var result = new List<string>();
        if (Directory.Exists(Path.Combine(current, "tasks")) || File.Exists(ConfigSources.WorkspaceConfigPath(current)))
        {
            result.Add(current);
        }

        var root = MsgcodeHome.ExpandHome(ConfigResolver.Resolve(new ConfigSources(home)).GetString("workspace.root") ?? "~/msgcode-workspaces");
        if (Directory.Exists(root))
        {
            foreach (var folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
            {
                if (Directory.Exists(Path.Combine(folder, "tasks")) && !result.Contains(folder))
                {
                    result.Add(folder);
                }
            }
        }

        return result;
    }

    private static IEnumerable<DoctorCheck> Environment(DoctorContext context)
    {
        var ps = Version.TryParse(context.PowerShellVersion.Split('-')[0], out var psVersion) ? psVersion : null;
        yield return ps is not null && ps >= new Version(7, 4)
            ? Check("environment", "powershell", CheckStatuses.Pass, $"PowerShell {context.PowerShellVersion}")
            : Check("environment", "powershell", CheckStatuses.Fail, $"PowerShell {context.PowerShellVersion} is older than 7.4, which msgcode needs", "Install PowerShell 7.4 or newer.");
        yield return Check("environment", "dotnet", CheckStatuses.Pass, $".NET {System.Environment.Version.ToString(2)} on {RuntimeInformation.RuntimeIdentifier}");
        var (sandbox, missing) = Sandbox.Find();
        yield return sandbox is not null
            ? Check("environment", "sandbox", CheckStatuses.Pass, $"Runs can be sandboxed (-Sandbox) with {sandbox}.")
            : Check("environment", "sandbox", CheckStatuses.Warn, $"Runs cannot be sandboxed here: {missing}.", OperatingSystem.IsLinux() ? "sudo apt-get install bubblewrap" : null);
        DoctorCheck libgit;
        try
        {
            var version = GitInfo.LibraryVersion();
            libgit = Check("environment", "libgit2", CheckStatuses.Pass, "The native git library loads.", details: new() { ["version"] = version.Split(' ')[0] });
        }
        catch (MsgcodeException ex)
        {
            libgit = Check("environment", "libgit2", CheckStatuses.Fail, ex.Message, "Reinstall the module for this platform (its Dependencies/runtimes folder must hold libgit2).");
        }

        yield return libgit;
        yield return ExecutableLocator.Find("git") is { } git
            ? Check("environment", "git", CheckStatuses.Pass, "git is on PATH.", details: new() { ["path"] = git })
            : Check("environment", "git", CheckStatuses.Warn, "git is not on PATH; msgcode itself does not need it, but people applying patches by hand will.", "Install git.");
    }

    /// <summary>The home and its log folder can be written (the daemon's preflight, <see cref="HomeAccess"/>), and so can the workspace root.</summary>
    private static IEnumerable<DoctorCheck> HomeChecks(DoctorContext context, ConfigReport config)
    {
        foreach (var access in HomeAccess.Check(context.Home))
        {
            yield return Check("home", access.Name, access.Passed ? CheckStatuses.Pass : CheckStatuses.Fail, access.Message, access.FixHint, new() { ["path"] = access.Path });
        }

        var root = MsgcodeHome.ExpandHome(config.GetString("workspace.root") ?? "~/msgcode-workspaces");
        var writable = Directory.Exists(root) && HomeAccess.CanWrite(root);
        yield return Directory.Exists(root)
            ? Check("home", "workspace-root", writable ? CheckStatuses.Pass : CheckStatuses.Fail,
                writable ? "The workspace root exists and is writable." : $"The workspace root '{root}' is not writable.",
                writable ? null : $"chmod u+rwx '{root}', or: Set-MsgcodeConfig workspace.root <folder>", new() { ["path"] = root })
            : Check("home", "workspace-root", CheckStatuses.Warn, $"The workspace root '{root}' does not exist; chat workspaces are created under it.",
                $"mkdir -p '{root}', or: Set-MsgcodeConfig workspace.root <folder>", new() { ["path"] = root });
    }

    /// <summary>Workspaces whose config.json points an endpoint elsewhere without the user's trust: their runs get none of the user's secrets.</summary>
    private static IEnumerable<DoctorCheck> WorkspaceTrustChecks(DoctorContext context)
    {
        foreach (var workspace in context.Workspaces.Where(Directory.Exists))
        {
            var config = ConfigResolver.Resolve(new ConfigSources(context.Home, workspace, context.Environment));
            foreach (var entry in config.UntrustedEndpoints(workspace))
            {
                yield return Check("configuration", $"{entry.Name}@workspace", CheckStatuses.Warn,
                    $"The workspace '{workspace}' sets {entry.Name} to {entry.Value} ({entry.SourcePath}); it is not in workspace.trusted, so your secrets (e.g. lmstudio.apiKey) are not sent there.",
                    $"If you trust it: Set-MsgcodeConfig workspace.trusted '{workspace}' (a list: keep the others). Else remove {entry.Name} from {entry.SourcePath}.",
                    new() { ["workspace"] = workspace, ["where"] = entry.SourcePath ?? string.Empty });
            }

            foreach (var problem in config.Problems.Where(p => p.ErrorId == ErrorIds.ConfigWorkspaceCannotLoosen))
            {
                yield return Check("configuration", $"{problem.Key}@workspace", CheckStatuses.Warn, $"{problem.ErrorId}: {problem.Message}",
                    $"Remove it from {problem.Path}.", new() { ["workspace"] = workspace, ["where"] = problem.Path ?? string.Empty });
            }
        }
    }

    private static IEnumerable<DoctorCheck> ConfigurationChecks(ConfigReport config)
    {
        if (config.Problems.Count == 0)
        {
            yield return Check("configuration", "layers", CheckStatuses.Pass, "Every configuration layer parses and every value is valid.");
            yield break;
        }

        foreach (var problem in config.Problems)
        {
            var severe = problem.ErrorId is ErrorIds.ConfigFileInvalidJson or ErrorIds.ConfigValueInvalid or ErrorIds.ConfigFileUnreadable;
            var where = problem.Path is null ? problem.Layer : problem.Line is int l ? $"{problem.Path}:{l}" : problem.Path;
            yield return Check("configuration", problem.Key ?? problem.Layer.ToLowerInvariant(), severe ? CheckStatuses.Fail : CheckStatuses.Warn,
                $"{problem.ErrorId}: {problem.Message}",
                problem.Key is { } key && ConfigSchema.Find(key) is not null
                    ? $"Get-MsgcodeEffectiveConfig -Name {key} -Explain shows every layer; fix the value at {where}."
                    : $"Fix or remove it at {where}.",
                new() { ["layer"] = problem.Layer, ["where"] = where, ["errorId"] = problem.ErrorId });
        }
    }

    private static IEnumerable<DoctorCheck> RunnerChecks(DoctorContext context, ConfigReport config, IReadOnlyList<RunnerInfo> probes)
    {
        foreach (var problem in context.Capabilities.Problems)
        {
            yield return Check("runners", "registry", CheckStatuses.Fail, $"{problem.ErrorId}: {problem.Message}", $"Fix '{problem.Target}' (see Get-Help Get-MsgcodeRunner for the format).");
        }

        var defaultKind = config.GetString("runner.default");
        foreach (var probe in probes.OrderBy(p => p.Kind, StringComparer.Ordinal))
        {
            var isDefault = string.Equals(probe.Kind, defaultKind, StringComparison.OrdinalIgnoreCase);
            var details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["implementation"] = probe.Implementation, ["risk"] = probe.Risk };
            if (probe.Version is not null)
            {
                details["version"] = probe.Version;
            }

            var named = probe.Version is null ? probe.Kind : $"{probe.Kind} {probe.Version}";
            if (probe.Account is not null)
            {
                details["account"] = probe.Account;
            }

            yield return probe.Available && probe.LoggedIn == false
                ? Check("runners", probe.Kind, CheckStatuses.Warn, $"{named} is installed but {probe.Account}", details: details)
                : probe.Available
                ? Check("runners", probe.Kind, CheckStatuses.Pass, $"{named} is available{(isDefault ? " (runner.default)" : string.Empty)}{(probe.LoggedIn == true ? $"; logged in ({probe.Account})" : string.Empty)}.", details: details)
                : Check("runners", probe.Kind, CheckStatuses.Warn,
                    $"{probe.Kind} is not available: {string.Join("; ", probe.Problems)}{(isDefault ? ". It is runner.default, so tasks without a runner will fail" : string.Empty)}.",
                    probe.FixHint ?? (isDefault ? "Set-MsgcodeConfig runner.default pwsh" : "Get-MsgcodeRunner " + probe.Kind), details);
        }
    }

    private static IEnumerable<DoctorCheck> TaskChecks(DoctorContext context)
    {
        if (context.Workspaces.Count == 0)
        {
            yield return Check("tasks", "workspaces", CheckStatuses.Skip, "No workspace with a tasks folder was given or found.");
            yield break;
        }

        foreach (var workspace in context.Workspaces)
        {
            var store = new TaskStore(workspace);
            var name = Path.GetFileName(workspace.TrimEnd(Path.DirectorySeparatorChar));
            var problems = new List<MsgcodeProblem>();
            IReadOnlyList<TaskInfo> tasks = [];
            try
            {
                tasks = store.List(problems.Add);
            }
            catch (MsgcodeException ex)
            {
                problems.Add(ex.ToProblem());
            }

            var corrupt = problems.Where(p => p.ErrorId == ErrorIds.TaskFileCorrupt).ToList();
            yield return corrupt.Count == 0
                ? Check("tasks", $"{name}:files", CheckStatuses.Pass, $"{tasks.Count} task(s); the index agrees with the task files.", details: new() { ["workspace"] = workspace })
                : Check("tasks", $"{name}:files", CheckStatuses.Fail, $"{corrupt.Count} task file(s) cannot be read: {string.Join("; ", corrupt.Select(p => p.Target).Take(5))}",
                    "Repair them by hand (Get-MsgcodeTask shows each reason), or restore them from version control.", new() { ["workspace"] = workspace });

            var ledgerProblems = new List<MsgcodeProblem>();
            var ledger = new RunLedger(store.LedgerPath);
            var open = ledger.OpenRuns(ledgerProblems.Add);
            var torn = HasTornTail(store.LedgerPath);
            yield return ledgerProblems.Count > 0
                ? Check("tasks", $"{name}:ledger", CheckStatuses.Fail, $"runs.jsonl has {ledgerProblems.Count} malformed line(s), first at line {ledgerProblems[0].Line}.",
                    $"Look at those lines in '{store.LedgerPath}'; malformed lines are skipped when reading.", new() { ["workspace"] = workspace })
                : torn
                    ? Check("tasks", $"{name}:ledger", CheckStatuses.Warn, "runs.jsonl ends in an unterminated line (a write cut short); it is skipped, and the next record starts on a new line.",
                        "Nothing to do; the next run fences it off.", new() { ["workspace"] = workspace })
                    : Check("tasks", $"{name}:ledger", CheckStatuses.Pass, "Every line of runs.jsonl parses.", details: new() { ["workspace"] = workspace });

            var orphans = open.Where(r => r.Pid is not int pid || !ProcessControl.IsAlive(pid)).ToList();
            yield return orphans.Count == 0
                ? Check("tasks", $"{name}:runs", CheckStatuses.Pass, "No run is left running without a live process.", details: new() { ["workspace"] = workspace })
                : Check("tasks", $"{name}:runs", CheckStatuses.Warn, $"{orphans.Count} run(s) are recorded as running but their process is gone: {string.Join(", ", orphans.Select(r => r.RunId).Take(5))}.",
                    "Start-MsgcodeDaemon records them as interrupted; or run the task again with Invoke-MsgcodeTask.", new() { ["workspace"] = workspace });
        }
    }

    private static IEnumerable<DoctorCheck> WorktreeChecks(DoctorContext context)
    {
        var any = false;
        foreach (var workspace in context.Workspaces)
        {
            var name = Path.GetFileName(workspace.TrimEnd(Path.DirectorySeparatorChar));
            var details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["workspace"] = workspace };
            var manager = new Worktrees.WorktreeManager(new TaskStore(workspace), Worktrees.WorktreeSettings.From(ConfigResolver.Resolve(new ConfigSources(context.Home, workspace, context.Environment))));
            if (!Directory.Exists(manager.WorktreesDirectory) && !File.Exists(Path.Combine(manager.RepositoryPath, ".git")) && !Directory.Exists(Path.Combine(manager.RepositoryPath, ".git")))
            {
                continue;
            }

            any = true;
            DoctorCheck check;
            try
            {
                var problems = manager.Problems();
                check = problems.Count == 0
                    ? Check("worktrees", $"{name}:worktrees", CheckStatuses.Pass, "Every task worktree is a live git worktree with its task.", details: details)
                    : Check("worktrees", $"{name}:worktrees", CheckStatuses.Warn,
                        $"{problems.Count} worktree problem(s): {string.Join("; ", problems.Take(5).Select(p => $"{p.TaskId} is {p.State}"))}.",
                        $"Clear-MsgcodeWorktree -Workspace '{workspace}' prunes what is safe and keeps what holds work (add -WhatIf to see it first).", details);
            }
            catch (MsgcodeException ex) when (ex.ErrorId is ErrorIds.WorktreeRepositoryNotFound or ErrorIds.WorktreeRepositoryEmpty or ErrorIds.WorktreeSubmoduleUnsupported)
            {
                check = Directory.Exists(manager.WorktreesDirectory)
                    ? Check("worktrees", $"{name}:worktrees", CheckStatuses.Warn, $"There is a worktrees folder, but: {ex.Message}", "Point worktree.repository at the workspace's repository: Set-MsgcodeConfig worktree.repository <path> -Workspace <ws>.", details)
                    : Check("worktrees", $"{name}:worktrees", CheckStatuses.Skip, ex.Message, details: details);
            }
            catch (MsgcodeException ex)
            {
                check = Check("worktrees", $"{name}:worktrees", CheckStatuses.Warn, ex.Message, ex.ErrorId == ErrorIds.GitNotFound ? "Install git." : "See the message.", details);
            }

            yield return check;
        }

        if (!any)
        {
            yield return Check("worktrees", "worktrees", CheckStatuses.Skip, "No workspace with a git repository or a worktrees folder was given or found.");
        }
    }

    /// <summary>A run in progress for longer than this is reported as stuck.</summary>
    public static readonly TimeSpan StuckJobRun = TimeSpan.FromHours(2);

    private static IEnumerable<DoctorCheck> JobChecks(DoctorContext context)
    {
        var store = new Jobs.JobStore(context.Home);
        var snapshot = store.Load();
        if (snapshot.Problem is { } problem)
        {
            yield return Check("jobs", "jobs-file", CheckStatuses.Fail, $"{problem.ErrorId}: {problem.Message}",
                $"Repair '{store.Path}' by hand (or move it away); the daemon keeps the last good schedule until then.",
                new() { ["errorId"] = problem.ErrorId, ["path"] = store.Path });
            yield break;
        }

        var jobs = snapshot.Jobs;
        if (jobs.Count == 0)
        {
            yield return Check("jobs", "jobs-file", CheckStatuses.Pass, "No scheduled jobs.", details: new() { ["path"] = store.Path });
            yield break;
        }

        yield return Check("jobs", "jobs-file", CheckStatuses.Pass, $"{jobs.Count} job(s), {jobs.Count(j => j.Enabled)} enabled.", details: new() { ["path"] = store.Path });

        var invalid = new List<string>();
        foreach (var job in jobs)
        {
            try
            {
                Jobs.JobScheduleMath.Validate(job.Schedule, null);
            }
            catch (MsgcodeException ex)
            {
                invalid.Add($"{job.Name} ({ex.ErrorId})");
            }
        }

        yield return invalid.Count == 0
            ? Check("jobs", "schedules", CheckStatuses.Pass, "Every schedule is valid.")
            : Check("jobs", "schedules", CheckStatuses.Fail, $"Invalid schedules: {string.Join(", ", invalid)}. These jobs never run.",
                "Set-MsgcodeJob <name> -Cron '<expression>' -TimeZone <IANA zone> (or -Every / -At)", new() { ["jobs"] = string.Join(", ", invalid) });

        var disabled = jobs.Where(j => !j.Enabled).Select(j => j.Name).ToList();
        yield return disabled.Count == 0
            ? Check("jobs", "disabled", CheckStatuses.Pass, "No job is disabled.")
            : Check("jobs", "disabled", CheckStatuses.Warn, $"Disabled jobs: {string.Join(", ", disabled)}.", "Enable-MsgcodeJob <name>, or Remove-MsgcodeJob <name> if it is no longer wanted",
                new() { ["jobs"] = string.Join(", ", disabled) });

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var stuck = jobs.Where(j => j.State.RunningSince is long since && now - since > StuckJobRun.TotalMilliseconds).Select(j => j.Name).ToList();
        yield return stuck.Count == 0
            ? Check("jobs", "stuck-runs", CheckStatuses.Pass, "No job run has been in progress for more than 2 hours.")
            : Check("jobs", "stuck-runs", CheckStatuses.Warn, $"Runs in progress for more than 2 hours: {string.Join(", ", stuck)}.",
                "Get-MsgcodeJobRun <name> -Last 1, then Get-MsgcodeTaskRun in its workspace; Get-MsgcodeDaemon shows the lanes", new() { ["jobs"] = string.Join(", ", stuck) });

        var missing = jobs.Where(j => j.Action.Workspace.Length == 0 || !Directory.Exists(j.Action.Workspace)).Select(j => $"{j.Name} ({j.Action.Workspace})").ToList();
        yield return missing.Count == 0
            ? Check("jobs", "workspaces", CheckStatuses.Pass, "Every job's workspace exists.")
            : Check("jobs", "workspaces", CheckStatuses.Fail, $"Jobs whose workspace is missing: {string.Join(", ", missing)}. Their runs fail with WorkspaceNotFound.",
                "Set-MsgcodeJob <name> -Workspace <existing folder>, or Remove-MsgcodeJob <name>", new() { ["jobs"] = string.Join(", ", missing) });
    }

    private static IEnumerable<DoctorCheck> DaemonChecks(DoctorContext context)
    {
        var info = new DaemonController(context.Home).GetStatus(queryEndpoint: false);
        yield return info.Status switch
        {
            "not running (stale pidfile)" => Check("daemon", "status", CheckStatuses.Warn, "The daemon is not running, and a stale pidfile says it crashed.", "Start-MsgcodeDaemon (then Get-MsgcodeLog -Tail 50 to see why it stopped)"),
            "not running" => Check("daemon", "status", CheckStatuses.Pass, "The daemon is not running.", details: new() { ["status"] = info.Status }),
            _ => Check("daemon", "status", CheckStatuses.Pass, $"The daemon is {info.Status}.", details: new() { ["status"] = info.Status }),
        };
    }

    /// <summary>The iMessage channel: imsg and its version, the whitelist, routes to missing workspaces, the last inbound message.</summary>
    private static IEnumerable<DoctorCheck> ChannelChecks(DoctorContext context, ConfigReport config)
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
                yield return Check("channel", "imsg", CheckStatuses.Pass, $"imsg answers: {version}", details: new() { ["path"] = imsg, ["version"] = version });
            }
            else
            {
                yield return Check("channel", "imsg", CheckStatuses.Warn, $"'{imsg}' exists but 'imsg --version' failed.", "Check that imsg runs: <path-to-imsg> --version (on macOS it needs Full Disk Access for Messages).", new() { ["path"] = imsg });
            }
        }

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

    private static IEnumerable<DoctorCheck> DiskChecks(DoctorContext context)
    {
        var probe = Directory.Exists(context.Home.Path) ? context.Home.Path : Path.GetPathRoot(Path.GetFullPath(context.Home.Path)) ?? "/";
        long free = -1;
        string? failure = null;
        try
        {
            free = new DriveInfo(probe).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            failure = ex.Message;
        }

        if (failure is not null)
        {
            yield return Check("disk", "free", CheckStatuses.Skip, $"Free space could not be read ({failure}).");
            yield break;
        }

        var gib = free / (1024.0 * 1024 * 1024);
        var rounded = gib >= 10 ? $"{Math.Floor(gib / 10) * 10:0}+ GiB" : $"{Math.Floor(gib):0} GiB";
        yield return free < 100L * 1024 * 1024
            ? Check("disk", "free", CheckStatuses.Fail, "Less than 100 MiB is free where msgcode keeps its files; writes will fail.", "Free disk space.")
            : free < 1024L * 1024 * 1024
                ? Check("disk", "free", CheckStatuses.Warn, "Less than 1 GiB is free where msgcode keeps its files.", "Free disk space, or lower runs.retentionCount.")
                : Check("disk", "free", CheckStatuses.Pass, $"About {rounded} free.");
    }

    private static bool HasTornTail(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length == 0)
            {
                return false;
            }

            stream.Seek(-1, SeekOrigin.End);
            return stream.ReadByte() != '\n';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static DoctorCheck Check(string category, string name, string status, string message, string? fix = null, SortedDictionary<string, string>? details = null)
        => new() { Category = category, Name = name, Status = status, Message = message, FixHint = status is CheckStatuses.Warn or CheckStatuses.Fail ? fix : null, Details = details ?? new(StringComparer.Ordinal) };
}
