using Msgcode.Core.Config;
using Msgcode.Core.Logging;
using Msgcode.Core.Storage;
using StreamJsonRpc;

namespace Msgcode.Core.Daemon;

/// <summary>Everything a daemon component may use.</summary>
public sealed class DaemonContext
{
    public required MsgcodeHome Home { get; init; }

    public required DaemonFiles Files { get; init; }

    public required MsgcodeLog Log { get; init; }

    public required string InstanceId { get; init; }

    public required TimeProvider Clock { get; init; }

    /// <summary>The configuration as resolved at start (and again on SIGHUP, and by <see cref="ReloadConfiguration"/>).</summary>
    public ConfigReport Config { get; internal set; } = null!;

    /// <summary>What SIGHUP does (set by the host): re-resolve the configuration and hand it to every component.</summary>
    internal Action? Reloader { get; set; }

    /// <summary>
    /// Re-reads the configuration now, as SIGHUP does: a setting a chat command just wrote (the whitelist, the owners,
    /// log.level) applies to the next message without a restart.
    /// </summary>
    public void ReloadConfiguration()
    {
        if (Reloader is { } reload)
        {
            reload();
        }
        else
        {
            Config = ConfigResolver.Resolve(new ConfigSources(Home));
        }
    }

    /// <summary>
    /// Group commit for the daemon's records (queue entries, run records): appended by any lane or
    /// connection, written and fsynced together, each caller released once its own record is on disk.
    /// </summary>
    public JsonlGroupWriter Journal { get; init; } = null!;
}
