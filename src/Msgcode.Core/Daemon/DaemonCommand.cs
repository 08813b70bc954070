using StreamJsonRpc;

namespace Msgcode.Core.Daemon;

/// <summary>The command line that runs the daemon in the foreground (the host's pwsh + Start-MsgcodeDaemon -Foreground).</summary>
public sealed record DaemonCommand(string FileName, IReadOnlyList<string> Arguments);
