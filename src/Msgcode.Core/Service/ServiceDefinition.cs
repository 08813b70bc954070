using System.Security;
using System.Text;
using Msgcode.Core.Config;

namespace Msgcode.Core.Service;

/// <summary>
/// What a service unit runs and with which environment; rendered as a launchd plist or a systemd unit, both of
/// which run the launcher script under the msgcode home (<see cref="LauncherScript"/>), never pwsh directly.
/// </summary>
public sealed class ServiceDefinition
{
    public const string LaunchdLabel = "com.msgcode";
    public const string SystemdUnitName = "msgcode.service";

    /// <summary>The unit's first line, in every version: what marks a unit written before stamps.</summary>
    public const string SystemdHeader = "# Written by Install-MsgcodeService; Uninstall-MsgcodeService removes it. Edits are reported; -Force replaces them.";

    /// <summary>How the launcher finds pwsh and which module it imports.</summary>
    public required LauncherScript Launcher { get; init; }

    /// <summary>The daemon's mode under this manager (systemd or launchd), the launcher's argument.</summary>
    public required string Mode { get; init; }

    /// <summary>The launcher's path: stable across pwsh updates and package-cache clean-ups.</summary>
    public string Program => LauncherPath(Home);

    public IReadOnlyList<string> Arguments => [Mode];

    public required MsgcodeHome Home { get; init; }

    /// <summary>The literal PATH baked into the unit (launchd expands nothing).</summary>
    public required string PathVariable { get; init; }

    public required string UserHome { get; init; }

    /// <summary>daemon.stopTimeoutSec: the supervisor's kill timer is set above it.</summary>
    public required int StopTimeoutSec { get; init; }

    /// <summary>Whether MSGCODE_HOME was set explicitly (then the unit sets it too).</summary>
    public bool ExplicitHome { get; init; }

    public int SupervisorStopTimeoutSec => StopTimeoutSec + 10;

    public string CrashOutPath => CrashOutPathOf(Home);

    public string CrashErrPath => CrashErrPathOf(Home);

    /// <summary>launchd's StandardOutPath: the daemon rotates it when it starts (<see cref="CapturedOutput"/>).</summary>
    public static string CrashOutPathOf(MsgcodeHome home) => Path.Combine(home.LogDirectory, "service.out.log");

    public static string CrashErrPathOf(MsgcodeHome home) => Path.Combine(home.LogDirectory, "service.err.log");

    public static string LauncherPath(MsgcodeHome home) => Path.Combine(home.Path, "bin", "msgcode-daemon");

    public static string LaunchdPlistPath(string userHome) => Path.Combine(userHome, "Library", "LaunchAgents", LaunchdLabel + ".plist");

    public static string SystemdUnitPath(string userHome, string? xdgConfigHome)
        => Path.Combine(string.IsNullOrEmpty(xdgConfigHome) ? Path.Combine(userHome, ".config") : xdgConfigHome, "systemd", "user", SystemdUnitName);

    /// <summary>The launchd property list (launchd.plist(5)): exactly the keys msgcode relies on.</summary>
    public string RenderLaunchdPlist()
    {
        var b = new StringBuilder();
        b.Append("""
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
            <plist version="1.0">
            <dict>

            """);
        Key(b, "Label").Append("\t<string>").Append(Xml(LaunchdLabel)).Append("</string>\n");
        Key(b, "ProgramArguments").Append("\t<array>\n");
        foreach (var argument in new[] { Program }.Concat(Arguments))
        {
            b.Append("\t\t<string>").Append(Xml(argument)).Append("</string>\n");
        }

        b.Append("\t</array>\n");
        Key(b, "RunAtLoad").Append("\t<true/>\n");
        // Restart only after a failure: a deliberate stop (exit 0) is not fought by launchd.
        Key(b, "KeepAlive").Append("\t<dict>\n\t\t<key>SuccessfulExit</key>\n\t\t<false/>\n\t</dict>\n");
        Key(b, "ThrottleInterval").Append("\t<integer>10</integer>\n");
        Key(b, "ExitTimeOut").Append("\t<integer>").Append(SupervisorStopTimeoutSec).Append("</integer>\n");
        Key(b, "ProcessType").Append("\t<string>Background</string>\n");
        Key(b, "StandardOutPath").Append("\t<string>").Append(Xml(CrashOutPath)).Append("</string>\n");
        Key(b, "StandardErrorPath").Append("\t<string>").Append(Xml(CrashErrPath)).Append("</string>\n");
        Key(b, "EnvironmentVariables").Append("\t<dict>\n");
        foreach (var (name, value) in Environment())
        {
            b.Append("\t\t<key>").Append(Xml(name)).Append("</key>\n\t\t<string>").Append(Xml(value)).Append("</string>\n");
        }

        b.Append("\t</dict>\n");
        b.Append("</dict>\n</plist>\n");
        return UnitFileStamp.Stamp(b.ToString(), xml: true);
    }

    /// <summary>The systemd user unit (systemd.service(5)).</summary>
    public string RenderSystemdUnit()
    {
        var b = new StringBuilder();
        b.Append(SystemdHeader).Append('\n');
        b.Append("[Unit]\n");
        b.Append("Description=msgcode daemon (tasks, runners, schedules)\n");
        b.Append("StartLimitIntervalSec=60\n");
        b.Append("StartLimitBurst=5\n\n");
        b.Append("[Service]\n");
        b.Append("Type=exec\n");
        b.Append("ExecStart=").Append(string.Join(' ', new[] { Program }.Concat(Arguments).Select(SystemdQuote))).Append('\n');
        b.Append("WorkingDirectory=").Append(SystemdQuote(Home.Path)).Append('\n');
        foreach (var (name, value) in Environment())
        {
            b.Append("Environment=").Append(SystemdQuote($"{name}={value}")).Append('\n');
        }

        b.Append("Restart=on-failure\n");
        // The launcher found no pwsh or no module: restarting cannot help, the journal says what to do.
        b.Append("RestartPreventExitStatus=").Append(LauncherScript.ConfigurationExitCode).Append('\n');
        b.Append("RestartSec=2\n");
        b.Append("KillSignal=SIGTERM\n");
        // SIGTERM to the daemon only; it stops its own children while draining, then the rest get SIGKILL.
        b.Append("KillMode=mixed\n");
        b.Append("TimeoutStopSec=").Append(SupervisorStopTimeoutSec).Append('\n');
        b.Append("\n[Install]\nWantedBy=default.target\n");
        return UnitFileStamp.Stamp(b.ToString(), xml: false);
    }

    private IEnumerable<(string Name, string Value)> Environment()
    {
        yield return ("PATH", PathVariable);
        yield return ("HOME", UserHome);
        if (ExplicitHome)
        {
            yield return (MsgcodeHome.HomeVariable, Home.Path);
        }

        foreach (var setting in DaemonRuntime.Settings)
        {
            yield return setting;
        }
    }

    private static StringBuilder Key(StringBuilder b, string key) => b.Append("\t<key>").Append(key).Append("</key>\n");

    private static string Xml(string text) => SecurityElement.Escape(text) ?? string.Empty;

    /// <summary>Quotes one word for ExecStart/Environment: "..." with \ and " escaped, and % and $ doubled (specifiers, variables).</summary>
    internal static string SystemdQuote(string word)
    {
        var escaped = word.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("%", "%%", StringComparison.Ordinal).Replace("$", "$$", StringComparison.Ordinal);
        var needsQuotes = escaped.Length == 0 || escaped.Any(c => char.IsWhiteSpace(c) || c is ';' or '\'' or '"' or '\\');
        return needsQuotes ? "\"" + escaped + "\"" : escaped;
    }
}
