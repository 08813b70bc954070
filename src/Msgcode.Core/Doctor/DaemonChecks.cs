using Msgcode.Core.Daemon;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>The doctor's daemon category: whether the daemon runs, or crashed.</summary>
internal static class DaemonChecks
{
    internal static IEnumerable<DoctorCheck> Run(DoctorContext context)
    {
        var info = new DaemonController(context.Home).GetStatus(queryEndpoint: false);
        yield return info.Status switch
        {
            DaemonStatuses.NotRunningStalePidfile => Check("daemon", "status", CheckStatuses.Warn, "The daemon is not running, and a stale pidfile says it crashed.", "Start-MsgcodeDaemon (then Get-MsgcodeLog -Tail 50 to see why it stopped)"),
            DaemonStatuses.NotRunning => Check("daemon", "status", CheckStatuses.Pass, "The daemon is not running.", details: new() { ["status"] = info.Status }),
            _ => Check("daemon", "status", CheckStatuses.Pass, $"The daemon is {info.Status}.", details: new() { ["status"] = info.Status }),
        };
    }
}
