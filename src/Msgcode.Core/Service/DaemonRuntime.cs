namespace Msgcode.Core.Service;

/// <summary>
/// Runtime settings the daemon process starts with, whoever starts it (Start-MsgcodeDaemon, launchd, systemd).
/// A variable the user has set already is left as the user set it.
/// </summary>
public static class DaemonRuntime
{
    /// <summary>
    /// DOTNET_TieredPGO=0: without it the runtime keeps re-compiling the daemon's hot paths with profiling
    /// probes for the first thousands of calls (a long-lived server pays that in CPU that its runs need);
    /// plain tiered compilation still gives optimized code within seconds and leaves start-up as fast.
    /// </summary>
    public static IReadOnlyList<(string Name, string Value)> Settings { get; } = [("DOTNET_TieredPGO", "0")];

    /// <summary>The settings still to set in an environment that inherits <paramref name="current"/>.</summary>
    public static IEnumerable<(string Name, string Value)> For(Func<string, string?> current)
        => Settings.Where(s => string.IsNullOrEmpty(current(s.Name)));
}
