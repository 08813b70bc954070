using System.IO.Pipes;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Msgcode.Core.Daemon;

/// <summary>What the daemon says about itself over the control endpoint.</summary>
public sealed class DaemonRuntimeInfo
{
    public int Pid { get; set; }

    public string InstanceId { get; set; } = string.Empty;

    public string State { get; set; } = string.Empty;

    public string Version { get; set; } = string.Empty;

    public long StartedAtMs { get; set; }

    /// <summary>Work lanes: one per workspace with queued or running work.</summary>
    public List<DaemonLaneInfo> Lanes { get; set; } = [];

    public int QueueDepth { get; set; }

    public int RunningCount { get; set; }

    /// <summary>Scheduled jobs loaded (the last good schedule when jobs.json is broken).</summary>
    public int JobCount { get; set; }

    /// <summary>jobs.enabled as the scheduler last read it: false, nothing fires.</summary>
    public bool JobsEnabled { get; set; } = true;

    /// <summary>The instant the scheduler's one timer is armed for (UTC ms), or null.</summary>
    public long? NextJobRunAtMs { get; set; }

    /// <summary>The ErrorId that keeps jobs.json from being read (JobsFileInvalid), or null.</summary>
    public string? JobsProblem { get; set; }
}
