using System.Globalization;
using Msgcode.Core.Daemon;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>The doctor's daemon category: whether the daemon runs, or crashed, and what it holds while it runs (memory, open files).</summary>
internal static class DaemonChecks
{
    /// <summary>Resident memory above which the daemon is worth a look: it holds queues and lanes, not models, so this means a leak.</summary>
    internal const long RssWarnBytes = 1024L * 1024 * 1024;

    /// <summary>The share of the descriptor limit past which new runs, sockets and log writes are about to fail with EMFILE.</summary>
    internal const double OpenFilesWarnShare = 0.8;

    /// <summary>The soft descriptor limit assumed where it cannot be read: launchd's default for an agent is 256.</summary>
    internal const int AssumedOpenFilesLimit = 256;

    internal static IEnumerable<DoctorCheck> Run(DoctorContext context)
    {
        var info = new DaemonController(context.Home).GetStatus(queryEndpoint: false);
        yield return info.Status switch
        {
            DaemonStatuses.NotRunningStalePidfile => Check("daemon", "status", CheckStatuses.Warn, "The daemon is not running, and a stale pidfile says it crashed.", "Start-MsgcodeDaemon (then Get-MsgcodeLog -Tail 50 to see why it stopped)"),
            DaemonStatuses.NotRunning => Check("daemon", "status", CheckStatuses.Pass, "The daemon is not running.", details: new() { ["status"] = info.Status }),
            _ => Check("daemon", "status", CheckStatuses.Pass, $"The daemon is {info.Status}.", details: new() { ["status"] = info.Status }),
        };

        foreach (var check in Resources(context, info.Running ? info.Pid : null))
        {
            yield return check;
        }
    }

    /// <summary>The resident memory and open files of the daemon <paramref name="pid"/> (skipped while none runs).</summary>
    internal static IEnumerable<DoctorCheck> Resources(DoctorContext context, int? pid)
    {
        if (pid is not { } id)
        {
            yield return Check("daemon", "memory", CheckStatuses.Skip, "The daemon is not running.");
            yield return Check("daemon", "open-files", CheckStatuses.Skip, "The daemon is not running.");
            yield break;
        }

        var usage = ProcessResources.Read(id, context.ProcRoot, context.Commands);
        var details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["pid"] = id.ToString(CultureInfo.InvariantCulture), ["source"] = usage.Source };
        var restart = "Restart-MsgcodeDaemon, and if it grows again, attach Get-MsgcodeLog -Tail 200 to a bug report.";
        if (usage.RssBytes is not { } rss)
        {
            yield return Check("daemon", "memory", CheckStatuses.Skip, $"The daemon's memory could not be read (from {usage.Source}).", details: details);
        }
        else
        {
            var memory = new SortedDictionary<string, string>(details, StringComparer.Ordinal) { ["rssBytes"] = rss.ToString(CultureInfo.InvariantCulture) };
            yield return rss >= RssWarnBytes
                ? Check("daemon", "memory", CheckStatuses.Warn, $"The daemon holds {Mib(rss)} MiB of memory (more than {Mib(RssWarnBytes)} MiB).", restart, memory)
                : Check("daemon", "memory", CheckStatuses.Pass, $"The daemon holds {Mib(rss)} MiB of memory.", details: memory);
        }

        if (usage.OpenFiles is not { } open)
        {
            yield return Check("daemon", "open-files", CheckStatuses.Skip, $"The daemon's open files could not be counted (from {usage.Source}; on macOS this needs lsof).", details: details);
            yield break;
        }

        var limit = usage.OpenFilesLimit ?? AssumedOpenFilesLimit;
        var files = new SortedDictionary<string, string>(details, StringComparer.Ordinal)
        {
            ["openFiles"] = open.ToString(CultureInfo.InvariantCulture),
            ["limit"] = limit.ToString(CultureInfo.InvariantCulture) + (usage.OpenFilesLimit is null ? " (assumed: launchd's default)" : string.Empty),
        };
        yield return open >= limit * OpenFilesWarnShare
            ? Check("daemon", "open-files", CheckStatuses.Warn, $"The daemon has {open} files open, close to its limit of {limit}; new runs and log writes fail past it.",
                "Raise the limit (systemd: LimitNOFILE= in a drop-in of msgcode.service; launchd: SoftResourceLimits NumberOfFiles in the plist), then " + restart, files)
            : Check("daemon", "open-files", CheckStatuses.Pass, $"The daemon has {open} files open (limit {limit}).", details: files);
    }

    private static string Mib(long bytes) => (bytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture);
}
