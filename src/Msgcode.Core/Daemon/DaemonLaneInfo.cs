using System.IO.Pipes;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Msgcode.Core.Daemon;

public sealed class DaemonLaneInfo
{
    public string Workspace { get; set; } = string.Empty;

    public int Queued { get; set; }

    public string? RunningTaskId { get; set; }
}
