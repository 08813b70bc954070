using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>The doctor's jobs category: jobs.enabled, the jobs file, schedules, disabled and stuck jobs, and their workspaces.</summary>
internal static class JobChecks
{
    /// <summary>A run in progress for longer than this is reported as stuck.</summary>
    public static readonly TimeSpan StuckJobRun = TimeSpan.FromHours(2);

    internal static IEnumerable<DoctorCheck> Run(DoctorContext context, ConfigReport config)
    {
        var enabled = config["jobs.enabled"];
        yield return config.GetBoolean("jobs.enabled")
            ? Check("jobs", "enabled", CheckStatuses.Pass, "jobs.enabled is true: the daemon fires scheduled jobs.")
            : Check("jobs", "enabled", CheckStatuses.Warn,
                $"jobs.enabled is false ({enabled.Source}{(enabled.SourcePath is { } path ? " " + path : string.Empty)}): the daemon fires no job, scheduled or requested; occurrences that come due meanwhile are skipped, not caught up.",
                "Set-MsgcodeConfig jobs.enabled true (or remove it where it is set) when jobs should run again.",
                new() { ["source"] = enabled.Source, ["where"] = enabled.SourcePath ?? string.Empty });

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

        var delivering = jobs.Where(j => j.Delivery.Mode == Jobs.JobDelivery.Chat).ToList();
        if (delivering.Count > 0)
        {
            // A firing whose chat has no active route runs but sends nothing, and fails with RouteNotFound.
            var routes = new Channels.RouteStore(context.Home);
            var orphans = delivering.Where(j => Channels.JobDeliveries.RouteProblem(routes, j.Delivery.ChatGuid ?? string.Empty) is not null).Select(j => $"{j.Name} ({j.Delivery.ChatGuid})").ToList();
            yield return orphans.Count == 0
                ? Check("jobs", "deliveries", CheckStatuses.Pass, $"{delivering.Count} job(s) deliver to chats with an active route.")
                : Check("jobs", "deliveries", CheckStatuses.Warn, $"Jobs that deliver to a chat without an active route: {string.Join(", ", orphans)}. Their firings run but send nothing (RouteNotFound).",
                    "Set-MsgcodeRoute <chat> -Status active (or bind it again), or Set-MsgcodeJob <name> -DeliverTo <another chat> (-DeliverTo '' for none)", new() { ["jobs"] = string.Join(", ", orphans) });
        }

        var missing = jobs.Where(j => j.Action.Workspace.Length == 0 || !Directory.Exists(j.Action.Workspace)).Select(j => $"{j.Name} ({j.Action.Workspace})").ToList();
        yield return missing.Count == 0
            ? Check("jobs", "workspaces", CheckStatuses.Pass, "Every job's workspace exists.")
            : Check("jobs", "workspaces", CheckStatuses.Fail, $"Jobs whose workspace is missing: {string.Join(", ", missing)}. Their runs fail with WorkspaceNotFound.",
                "Set-MsgcodeJob <name> -Workspace <existing folder>, or Remove-MsgcodeJob <name>", new() { ["jobs"] = string.Join(", ", missing) });
    }
}
