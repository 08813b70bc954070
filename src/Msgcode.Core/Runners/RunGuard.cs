using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Runners;

/// <summary>
/// Runner processes die with the process that runs them. Every runner child carries <see cref="Variable"/> with its
/// host's identity (<c>&lt;pid&gt;-&lt;start ticks&gt;</c>), inherited by everything it starts. On Linux the daemon starts
/// one guardian at launch, with <c>PR_SET_PDEATHSIG</c> (util-linux's setpriv) set to the thread that lives as long as the
/// daemon: when the daemon dies, even by SIGKILL, the guardian kills the daemon's process group at once (the daemon
/// leads its own group, so every runner process is in it) and then every process that carries the marker (runners that
/// left the group). A host that died without a guardian (macOS, or a killed pwsh session) leaves its marked processes
/// to the next recovery: <see cref="KillMarked"/> kills them before their run is recorded interrupted, so a run is never
/// started again beside itself.
/// </summary>
public static class RunGuard
{
    public const string Variable = "MSGCODE_RUN_GUARD";

    private static readonly object Gate = new();
    private static Process? _guardian;

    /// <summary>This process's marker, put in every runner child's environment.</summary>
    public static string Marker { get; } = MarkerOf(Environment.ProcessId, NativeFs.ProcessStartTicks(Environment.ProcessId));

    public static string MarkerOf(int pid, long? startTicks) => $"{pid}-{startTicks ?? 0}";

    /// <summary>Whether a guardian watches this process (Linux, with setpriv and setsid).</summary>
    public static bool Guarded => _guardian is { HasExited: false };

    /// <summary>
    /// Starts the guardian (once). It is started from a thread that never ends: the kernel sends the parent-death signal
    /// when the thread that forked the child ends, not only the process.
    /// </summary>
    public static bool StartGuardian()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        lock (Gate)
        {
            if (_guardian is not null)
            {
                return !_guardian.HasExited;
            }

            var setsid = ExecutableLocator.Find("setsid");
            var setpriv = ExecutableLocator.Find("setpriv");
            if (setsid is null || setpriv is null)
            {
                return false;
            }

            var group = NativeGetpgrp() == Environment.ProcessId ? Environment.ProcessId : 0; // only a group this process leads
            var started = new TaskCompletionSource<Process?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try
                {
                    var info = new ProcessStartInfo(setsid) { UseShellExecute = false, RedirectStandardInput = true };
                    foreach (var argument in new[] { "--", setpriv, "--pdeathsig", "TERM", "--", "/bin/sh", "-c", GuardianScript, "msgcode-guardian", group.ToString(System.Globalization.CultureInfo.InvariantCulture), Marker })
                    {
                        info.ArgumentList.Add(argument);
                    }

                    info.Environment.Remove(Variable);
                    started.TrySetResult(Process.Start(info));
                }
                catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
                {
                    started.TrySetResult(null);
                }

                Thread.Sleep(Timeout.Infinite); // the parent-death signal belongs to this thread: it must outlive the daemon's work
            })
            { IsBackground = true, Name = "msgcode run guard" };
            thread.Start();
            _guardian = started.Task.GetAwaiter().GetResult();
            return _guardian is not null;
        }
    }

    /// <summary>
    /// The guardian: it waits; on SIGTERM (its parent died) it kills the dead daemon's process group, then (three passes,
    /// for processes forked meanwhile) every process whose environment holds the marker. It never kills itself: it is in a
    /// session of its own and does not carry the marker.
    /// </summary>
    private const string GuardianScript = """
        group=$1; marker="MSGCODE_RUN_GUARD=$2"
        guard() {
          [ "$group" != 0 ] && kill -KILL -"$group" 2>/dev/null
          for pass in 1 2 3; do
            for f in $(grep -lsxzF "$marker" /proc/[0-9]*/environ 2>/dev/null); do p=${f#/proc/}; kill -KILL "${p%/environ}" 2>/dev/null; done
          done
          [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null
          exit 0
        }
        trap guard TERM
        while :; do sleep 86400 & sleeper=$!; wait $sleeper; done
        """;

    /// <summary>
    /// Kills every process whose environment holds <paramref name="marker"/> (Linux; elsewhere nothing can be found) and
    /// waits until none is left, at most <paramref name="timeout"/>. Returns how many it killed.
    /// </summary>
    public static int KillMarked(string marker, TimeSpan? timeout = null)
    {
        if (!OperatingSystem.IsLinux() || marker == Marker)
        {
            return 0;
        }

        var needle = Encoding.UTF8.GetBytes(Variable + "=" + marker);
        var killed = 0;
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            var found = Marked(needle);
            if (found.Count == 0 || DateTime.UtcNow > deadline)
            {
                return killed;
            }

            foreach (var pid in found)
            {
                if (NativeKill(pid, 9) == 0)
                {
                    killed++;
                }
            }

            Thread.Sleep(20);
        }
    }

    private static List<int> Marked(byte[] needle)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            byte[] environ;
            try
            {
                environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            // Entries are NUL-separated: the marker must be a whole entry.
            var span = environ.AsSpan();
            while (!span.IsEmpty)
            {
                var end = span.IndexOf((byte)0);
                var entry = end < 0 ? span : span[..end];
                if (entry.SequenceEqual(needle))
                {
                    found.Add(pid);
                    break;
                }

                span = end < 0 ? [] : span[(end + 1)..];
            }
        }

        return found;
    }

    [DllImport("libc", EntryPoint = "getpgrp")]
    private static extern int NativeGetpgrp();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int NativeKill(int pid, int signal);
}
