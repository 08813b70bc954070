using StreamJsonRpc;

namespace Msgcode.Core.Daemon;

/// <summary>The result of a stop request.</summary>
public sealed class DaemonStopResult
{
    public required string Outcome { get; init; } // stopped, killed, not running

    public int? Pid { get; init; }

    public TimeSpan Elapsed { get; init; }
}
