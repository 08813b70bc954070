using StreamJsonRpc;

namespace Msgcode.Core.Daemon;

/// <summary>What Get-MsgcodeDaemon shows.</summary>
public sealed class DaemonInfo
{
    public required bool Running { get; init; }

    /// <summary>One of <see cref="DaemonStatuses"/>.</summary>
    public required string Status { get; init; }

    public int? Pid { get; init; }

    public DateTime? StartTime { get; init; }

    /// <summary>Seconds since the daemon started: a number, so ConvertTo-Json writes a number and not a TimeSpan's fields.</summary>
    public double? UptimeSeconds { get; init; }

    public string? Version { get; init; }

    public string? Mode { get; init; }

    public required string Home { get; init; }

    public required string LogPath { get; init; }

    public string? Endpoint { get; init; }

    public int QueueDepth { get; init; }

    public int RunningCount { get; init; }

    public DaemonLaneInfo[] Lanes { get; init; } = [];

    /// <summary>Scheduled jobs the daemon has loaded.</summary>
    public int JobCount { get; init; }

    /// <summary>Whether the daemon fires jobs (jobs.enabled); null when it is not running.</summary>
    public bool? JobsEnabled { get; init; }

    /// <summary>When the next job runs (none while jobs are off).</summary>
    public DateTimeOffset? NextJobRunAt { get; init; }

    /// <summary>Set when jobs.json is broken (JobsFileInvalid): the daemon keeps the last good schedule.</summary>
    public string? JobsProblem { get; init; }

    public override string ToString() => Pid is int pid ? $"{Status} (PID {pid})" : Status;
}
