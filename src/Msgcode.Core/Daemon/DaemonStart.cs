namespace Msgcode.Core.Daemon;

/// <summary>How a start of the daemon went: the daemon now, whether it was running before, and who started it.</summary>
/// <param name="Through">The service manager that started it (launchd, systemd), or null for a detached start.</param>
public sealed record DaemonStart(DaemonInfo Info, bool AlreadyRunning, string? Through);
