using Msgcode.Core.Config;
using Msgcode.Core.Runners;

namespace Msgcode.Core.Doctor;

/// <summary>
/// msgcode's doctor: environment, home and workspace root, configuration, runners, tasks, worktrees, jobs,
/// daemon (and its memory and open files), chat channel (and the Messages database) and disk (free space, the log folder),
/// each category's checks in a class of its own (EnvironmentChecks, HomeChecks, ...), run in this order.
/// Warnings are warnings and failures are failures; every failing check says what to do next.
/// </summary>
public static class MsgcodeDoctor
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
        if (Wanted("environment")) checks.AddRange(EnvironmentChecks.Run(context));
        if (Wanted("home")) checks.AddRange(HomeChecks.Run(context, config));
        if (Wanted("configuration")) checks.AddRange(ConfigurationChecks.Run(context, config));
        if (Wanted("runners")) checks.AddRange(RunnerChecks.Run(context, config, await runnerProbes.ConfigureAwait(false)));
        if (Wanted("tasks")) checks.AddRange(TaskChecks.Run(context));
        if (Wanted("worktrees")) checks.AddRange(WorktreeChecks.Run(context));
        if (Wanted("jobs")) checks.AddRange(JobChecks.Run(context, config));
        if (Wanted("daemon")) checks.AddRange(DaemonChecks.Run(context));
        if (Wanted("channel")) checks.AddRange(ChannelChecks.Run(context, config));
        if (Wanted("disk")) checks.AddRange(DiskChecks.Run(context, config));
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
}
