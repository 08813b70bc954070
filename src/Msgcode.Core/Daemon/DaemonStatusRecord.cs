using System.Text.Json.Serialization;

namespace Msgcode.Core.Daemon;

/// <summary>The contents of <c>&lt;home&gt;/daemon.json</c>, written atomically by the live daemon.</summary>
public sealed class DaemonStatusRecord
{
    [JsonPropertyName("pid")]
    public int Pid { get; set; }

    [JsonPropertyName("startTimeUtc")]
    public DateTime? StartTimeUtc { get; set; }

    /// <summary>Linux: field 22 of /proc/pid/stat, an exact identity against PID reuse.</summary>
    [JsonPropertyName("startTicks")]
    public long? StartTicks { get; set; }

    [JsonPropertyName("instanceId")]
    public string InstanceId { get; set; } = string.Empty;

    [JsonPropertyName("state")]
    public string State { get; set; } = DaemonStatuses.Starting;

    [JsonPropertyName("version")]
    public string Version { get; set; } = string.Empty;

    [JsonPropertyName("mode")]
    public string Mode { get; set; } = DaemonModes.Foreground;

    [JsonPropertyName("home")]
    public string Home { get; set; } = string.Empty;

    [JsonPropertyName("logPath")]
    public string LogPath { get; set; } = string.Empty;

    /// <summary>The control endpoint the daemon chose (see <see cref="ControlEndpoint"/>): clients connect to what this says.</summary>
    [JsonPropertyName("endpoint")]
    public string Endpoint { get; set; } = string.Empty;

    [JsonPropertyName("updatedAtMs")]
    public long UpdatedAtMs { get; set; }
}
