using StreamJsonRpc;

namespace Msgcode.Core.Daemon;

/// <summary>The result of a stop request.</summary>
public sealed class DaemonStopResult
{
    /// <summary>One of <see cref="DaemonStopOutcomes"/>.</summary>
    public required string Outcome { get; init; }

    public int? Pid { get; init; }

    /// <summary>How long the stop took, in seconds.</summary>
    public double ElapsedSeconds { get; init; }
}
