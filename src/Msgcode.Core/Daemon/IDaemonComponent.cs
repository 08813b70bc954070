using StreamJsonRpc;

namespace Msgcode.Core.Daemon;

/// <summary>A part of the daemon (work lanes, scheduler, message channel, housekeeping).</summary>
public interface IDaemonComponent
{
    string Name { get; }

    Task StartAsync(DaemonContext context, CancellationToken stopping);

    /// <summary>Finish or cancel in-flight work before <paramref name="deadline"/>; leave nothing half-recorded.</summary>
    Task StopAsync(DateTimeOffset deadline);

    void Describe(DaemonRuntimeInfo info);

    /// <summary>Configuration was reloaded (SIGHUP).</summary>
    void OnReload(DaemonContext context)
    {
    }
}
