using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Msgcode.Core.Platform;

/// <summary>
/// Process facts and signals .NET does not offer: sending SIGTERM/SIGKILL by PID, leaving the
/// terminal's session, and a start-time identity that tells a live daemon from a reused PID.
/// </summary>
public static class ProcessControl
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int NativeKill(int pid, int signal);

    [DllImport("libc", EntryPoint = "setsid", SetLastError = true)]
    private static extern int NativeSetsid();

    [DllImport("libc", EntryPoint = "getuid")]
    private static extern uint NativeGetuid();

    /// <summary>The real user id (Unix); 0 on Windows.</summary>
    public static uint GetUserId() => OperatingSystem.IsWindows() ? 0 : NativeGetuid();

    [DllImport("libc", EntryPoint = "getsid", SetLastError = true)]
    private static extern int NativeGetsid(int pid);

    /// <summary>Sends a POSIX signal; false when the process does not exist or may not be signalled.</summary>
    public static bool Signal(int pid, int signal)
    {
        if (OperatingSystem.IsWindows())
        {
            if (signal is SIGKILL or SIGTERM)
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: signal == SIGKILL);
                    return true;
                }
                catch (ArgumentException)
                {
                    return false;
                }
                catch (InvalidOperationException)
                {
                    return false;
                }
            }

            return false;
        }

        return NativeKill(pid, signal) == 0;
    }

    /// <summary>Makes this process the leader of a new session, detached from the launching terminal.</summary>
    public static bool DetachFromTerminal()
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        return NativeSetsid() >= 0;
    }

    /// <summary>The session id of a process (Unix), or -1.</summary>
    public static int GetSessionId(int pid) => OperatingSystem.IsWindows() ? -1 : NativeGetsid(pid);

    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }

        if (!OperatingSystem.IsWindows())
        {
            // kill(pid, 0): 0 = exists; EPERM = exists but not ours (still alive).
            if (NativeKill(pid, 0) == 0)
            {
                return !IsZombie(pid);
            }

            return Marshal.GetLastPInvokeError() == 1; // EPERM
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static readonly Lazy<(long? Ticks, DateTime? StartUtc)> Self = new(() => (GetLinuxStartTicks(Environment.ProcessId), GetStartTimeUtc(Environment.ProcessId)));

    /// <summary>This process's identity (Linux start ticks, start time): it never changes, so it is read once.</summary>
    public static (long? Ticks, DateTime? StartUtc) SelfIdentity => Self.Value;

    /// <summary>The process's start time in UTC as .NET computes it (the checker computes the same), or null.</summary>
    public static DateTime? GetStartTimeUtc(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Linux only: field 22 of /proc/&lt;pid&gt;/stat (start time in clock ticks since boot); exact.</summary>
    public static long? GetLinuxStartTicks(int pid) => NativeFs.ProcessStartTicks(pid);

    /// <summary>
    /// True when <paramref name="pid"/> is alive and is the process that recorded this identity: same
    /// Linux start ticks where both are known, else start times within two seconds.
    /// </summary>
    public static bool IsSameProcess(int pid, DateTime? recordedStartUtc, long? recordedTicks)
    {
        if (!IsAlive(pid))
        {
            return false;
        }

        var ticks = GetLinuxStartTicks(pid);
        if (ticks is not null && recordedTicks is not null)
        {
            return ticks == recordedTicks;
        }

        var start = GetStartTimeUtc(pid);
        return start is not null && recordedStartUtc is not null && Math.Abs((start.Value - recordedStartUtc.Value).TotalSeconds) <= 2;
    }

    private static bool IsZombie(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
