using System.Globalization;
using Msgcode.Core.Config;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>The doctor's disk category: free space where msgcode keeps its files (the home, and the workspaces when they are on another file system), and the size of the log folder.</summary>
internal static class DiskChecks
{
    /// <summary>Below this nothing msgcode writes is safe.</summary>
    internal const long FailFreeBytes = 100L * 1024 * 1024;

    /// <summary>Below this a few large runs or patches fill the disk.</summary>
    internal const long WarnFreeBytes = 1024L * 1024 * 1024;

    /// <summary>The log folder may hold this much beyond what rotation keeps (log.maxBytes × (log.maxFiles + 1)) before it is worth a look.</summary>
    internal const long LogSlackBytes = 64L * 1024 * 1024;

    internal static IEnumerable<DoctorCheck> Run(DoctorContext context, ConfigReport config)
    {
        var root = MsgcodeHome.ExpandHome(config.GetString("workspace.root") ?? "~/msgcode-workspaces");
        var homeDrive = Drive(context.Home.Path);
        yield return Free("free", "msgcode's home", context.Home.Path, homeDrive);
        var rootDrive = Drive(root);
        if (rootDrive.Name != homeDrive.Name)
        {
            yield return Free("free-workspaces", "the workspace root", root, rootDrive);
        }

        yield return LogSize(context.Home, config.GetInt64("log.maxBytes"), config.GetInt64("log.maxFiles"));
    }

    /// <summary>The file system that holds <paramref name="path"/> (or its nearest existing ancestor): its mount point as the name, or the error that hid it.</summary>
    private static (string Name, long Free, string? Failure) Drive(string path)
    {
        var probe = Path.GetFullPath(path);
        while (!Directory.Exists(probe) && Path.GetDirectoryName(probe) is { } parent)
        {
            probe = parent;
        }

        try
        {
            var drive = new DriveInfo(probe);
            return (drive.Name, drive.AvailableFreeSpace, null);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return (probe, -1, ex.Message);
        }
    }

    private static DoctorCheck Free(string name, string what, string path, (string Name, long Free, string? Failure) drive)
    {
        var details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["path"] = path, ["mount"] = drive.Name };
        if (drive.Failure is not null)
        {
            return Check("disk", name, CheckStatuses.Skip, $"Free space for {what} could not be read ({drive.Failure}).", details: details);
        }

        var gib = drive.Free / (1024.0 * 1024 * 1024);
        var rounded = gib >= 10 ? $"{Math.Floor(gib / 10) * 10:0}+ GiB" : $"{Math.Floor(gib):0} GiB";
        return drive.Free < FailFreeBytes
            ? Check("disk", name, CheckStatuses.Fail, $"Less than 100 MiB is free where {what} is ({drive.Name}); writes will fail.", "Free disk space.", details)
            : drive.Free < WarnFreeBytes
                ? Check("disk", name, CheckStatuses.Warn, $"Less than 1 GiB is free where {what} is ({drive.Name}).", "Free disk space, or lower runs.retentionCount.", details)
                : Check("disk", name, CheckStatuses.Pass, $"About {rounded} free where {what} is.", details: details);
    }

    /// <summary>
    /// The log folder's size against what rotation keeps. More than that means something outside rotation grows, such as
    /// launchd's or a hand-started daemon's captured output (service.out.log, service.err.log).
    /// </summary>
    internal static DoctorCheck LogSize(MsgcodeHome home, long maxBytes, long maxFiles)
    {
        var folder = home.LogDirectory;
        var details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["path"] = folder };
        if (!Directory.Exists(folder))
        {
            return Check("disk", "log-size", CheckStatuses.Pass, "There is no log folder yet.", details: details);
        }

        long total = 0;
        FileInfo? largest = null;
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 }))
        {
            total += file.Length;
            if (largest is null || file.Length > largest.Length)
            {
                largest = file;
            }
        }

        var expected = maxBytes * (maxFiles + 1);
        details["bytes"] = total.ToString(CultureInfo.InvariantCulture);
        details["expectedBytes"] = expected.ToString(CultureInfo.InvariantCulture);
        if (largest is not null)
        {
            details["largest"] = largest.FullName;
        }

        return total > expected + LogSlackBytes
            ? Check("disk", "log-size", CheckStatuses.Warn,
                $"The log folder holds {total / (1024 * 1024)} MiB, more than rotation keeps ({expected / (1024 * 1024)} MiB); the largest file is {largest!.Name}.",
                $"Remove or empty what rotation does not manage (the largest: {largest.FullName}); the service's captured output (service.out.log, service.err.log) may be emptied at any time; lower log.maxBytes or log.maxFiles to keep less.", details)
            : Check("disk", "log-size", CheckStatuses.Pass, $"The log folder holds {total / (1024 * 1024)} MiB.", details: details);
    }
}
