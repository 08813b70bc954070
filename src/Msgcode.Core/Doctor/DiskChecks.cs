using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>The doctor's disk category: free space where msgcode keeps its files.</summary>
internal static class DiskChecks
{
    internal static IEnumerable<DoctorCheck> Run(DoctorContext context)
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
}
