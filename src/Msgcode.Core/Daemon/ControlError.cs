using System.IO.Pipes;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Msgcode.Core.Daemon;

/// <summary>The error data the daemon attaches to a failed request: the stable ErrorId and its target.</summary>
public sealed class ControlError
{
    public string ErrorId { get; set; } = string.Empty;

    public string? Target { get; set; }
}
