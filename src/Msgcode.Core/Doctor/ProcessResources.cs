using System.Globalization;
using Msgcode.Core.Service;

namespace Msgcode.Core.Doctor;

/// <summary>
/// A process's resident memory and open file descriptors, as the doctor reads them for the daemon. On Linux from
/// /proc/&lt;pid&gt;/status (VmRSS), /proc/&lt;pid&gt;/fd (one entry per descriptor) and /proc/&lt;pid&gt;/limits (Max open files);
/// where there is no /proc (macOS) from <c>ps -o rss= -p &lt;pid&gt;</c> and <c>lsof -n -P -F f -p &lt;pid&gt;</c> (its numeric
/// f-lines are the descriptors). Both are plain programs on macOS, so no native call is needed; macOS gives no other
/// process's descriptor limit, so <see cref="OpenFilesLimit"/> stays unknown there.
/// </summary>
public sealed record ProcessResources(long? RssBytes, int? OpenFiles, int? OpenFilesLimit, string Source)
{
    /// <summary>Reads <paramref name="pid"/>'s resources; a value that cannot be read (another user's process, a tool missing) is null.</summary>
    public static ProcessResources Read(int pid, string procRoot, ICommandRunner commands)
    {
        var folder = Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture));
        return Directory.Exists(folder) ? FromProc(folder) : FromPsAndLsof(pid, commands);
    }

    private static ProcessResources FromProc(string folder)
    {
        long? rss = null;
        int? open = null;
        int? limit = null;
        try
        {
            var line = File.ReadLines(Path.Combine(folder, "status")).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            rss = line is null ? null : Kibibytes(line["VmRSS:".Length..].Replace("kB", string.Empty, StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        try
        {
            open = Directory.EnumerateFileSystemEntries(Path.Combine(folder, "fd")).Count();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        try
        {
            // "Max open files            1024                 1048576              files": the soft limit is the first number.
            var line = File.ReadLines(Path.Combine(folder, "limits")).FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var soft = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            limit = soft is not null && int.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return new ProcessResources(rss, open, limit, "/proc");
    }

    private static ProcessResources FromPsAndLsof(int pid, ICommandRunner commands)
    {
        var id = pid.ToString(CultureInfo.InvariantCulture);
        var ps = commands.Run("ps", "-o", "rss=", "-p", id);
        var rss = ps.Succeeded ? Kibibytes(ps.StdOut) : null;
        var lsof = commands.Run("lsof", "-n", "-P", "-F", "f", "-p", id);
        int? open = null;
        if (lsof.Succeeded)
        {
            open = lsof.StdOut.Split('\n').Count(l => l.Length > 1 && l[0] == 'f' && l[1..].TrimEnd('\r').All(char.IsAsciiDigit));
        }

        return new ProcessResources(rss, open, null, "ps+lsof");
    }

    private static long? Kibibytes(string text)
        => long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var kib) ? kib * 1024 : null;
}
