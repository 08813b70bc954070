using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Service;

/// <summary>
/// Installs, removes and inspects the daemon's per-user service: a launchd agent on macOS, a systemd user
/// unit on Linux. Idempotent both ways. Every command's exit code is checked; failures carry the
/// manager's own words and a command to try.
/// </summary>
public sealed class ServiceManager
{
    private readonly ICommandRunner _runner;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly List<string> _commands = [];

    public ServiceManager(string manager, string userHome, IReadOnlyDictionary<string, string> environment, ICommandRunner? runner = null)
    {
        Manager = manager;
        UserHome = userHome;
        _environment = environment;
        _runner = runner ?? ProcessCommandRunner.Instance;
    }

    public string Manager { get; }

    public string UserHome { get; }

    public string UnitPath => Manager switch
    {
        ServiceManagers.Launchd => ServiceDefinition.LaunchdPlistPath(UserHome),
        ServiceManagers.Systemd => ServiceDefinition.SystemdUnitPath(UserHome, _environment.GetValueOrDefault("XDG_CONFIG_HOME")),
        _ => string.Empty,
    };

    private string LaunchdDomain => $"gui/{ProcessControl.GetUserId()}";

    private string LaunchdTarget => $"{LaunchdDomain}/{ServiceDefinition.LaunchdLabel}";

    public string Render(ServiceDefinition definition) => Manager == ServiceManagers.Launchd ? definition.RenderLaunchdPlist() : definition.RenderSystemdUnit();

    /// <summary>
    /// Writes the launcher and the unit (or plist) and loads and starts it. An unchanged definition changes nothing
    /// and restarts nothing; a unit written by an older version is upgraded in place; a unit edited by hand is
    /// reported (<see cref="ErrorIds.ServiceUnitModified"/>) and replaced only with <paramref name="force"/>.
    /// </summary>
    public ServiceChange Install(ServiceDefinition definition, bool force = false)
    {
        RequireManager();
        var warnings = new List<string>();
        if (Manager == ServiceManagers.Systemd)
        {
            RequireUserBus();
        }

        var content = Render(definition);
        var existing = File.Exists(UnitPath) ? File.ReadAllText(UnitPath) : null;
        if (existing is not null && existing != content && Classify(existing) == UnitFileOrigin.EditedByHand)
        {
            if (!force)
            {
                throw new MsgcodeException(ErrorIds.ServiceUnitModified, MsgcodeErrorCategory.ResourceExists, UnitPath,
                    $"'{UnitPath}' was changed since Install-MsgcodeService wrote it, so it was left as it is. Keep settings of your own outside it "
                    + (Manager == ServiceManagers.Systemd ? "(a drop-in: systemctl --user edit msgcode.service), " : string.Empty)
                    + "or replace it with Install-MsgcodeService -Force.");
            }

            warnings.Add($"Replaced '{UnitPath}', which had been edited by hand (-Force).");
        }

        Directory.CreateDirectory(definition.Home.LogDirectory); // the unit's working directory and crash files live there
        var launcherChanged = WriteLauncher(definition);
        var unitChanged = existing != content;
        var action = existing is null ? ServiceChangeActions.Installed : unitChanged || launcherChanged ? ServiceChangeActions.Updated : ServiceChangeActions.Unchanged;
        if (unitChanged)
        {
            AtomicFile.WriteAllText(UnitPath, content);
        }

        if (Manager == ServiceManagers.Systemd)
        {
            if (unitChanged)
            {
                Check(Run("systemctl", "--user", "daemon-reload"), "reload the user manager");
            }

            // Enables and starts a unit that is not; leaves a running one alone.
            Check(Run("systemctl", "--user", "enable", "--now", ServiceDefinition.SystemdUnitName), "enable and start msgcode.service");
            if (action == ServiceChangeActions.Updated)
            {
                Check(Run("systemctl", "--user", "restart", ServiceDefinition.SystemdUnitName), "restart msgcode.service with the new unit");
            }

            var user = _environment.GetValueOrDefault("USER") ?? Environment.UserName;
            var linger = Run("loginctl", "show-user", user, "--property=Linger", "--value");
            if (linger.Succeeded && linger.StdOut.Trim() == "no")
            {
                warnings.Add($"Lingering is off for '{user}': the daemon stops when your last session ends (for example at SSH logout). Keep it running with: loginctl enable-linger {user}");
            }
        }
        else if (action != ServiceChangeActions.Unchanged || !LaunchdLoaded())
        {
            BootoutLaunchd();
            Run("launchctl", "enable", LaunchdTarget);
            BootstrapLaunchd();
        }

        return new ServiceChange { Manager = Manager, UnitPath = UnitPath, Action = action, Warnings = [.. warnings], Commands = [.. _commands] };
    }

    /// <summary>How the installed unit relates to what msgcode writes (null: none installed).</summary>
    public UnitFileOrigin? InstalledOrigin() => File.Exists(UnitPath) ? Classify(File.ReadAllText(UnitPath)) : null;

    private UnitFileOrigin Classify(string existing)
        => UnitFileStamp.Classify(existing, Manager == ServiceManagers.Systemd ? "# Written by Install-MsgcodeService" : "Start-MsgcodeDaemon -Foreground -Mode launchd");

    /// <summary>Writes the launcher script (owner-only, executable) when it differs; returns whether it did.</summary>
    private static bool WriteLauncher(ServiceDefinition definition)
    {
        var path = definition.Program;
        var script = definition.Launcher.Render();
        if (File.Exists(path) && File.ReadAllText(path) == script)
        {
            return false;
        }

        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        AtomicFile.WriteAllText(path, script, new AtomicWriteOptions { OwnerOnly = true });
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return true;
    }

    /// <summary>Stops and removes the unit (or plist) and the launcher of <paramref name="home"/>.</summary>
    public ServiceChange Uninstall(Config.MsgcodeHome? home = null)
    {
        RequireManager();
        if (!File.Exists(UnitPath))
        {
            return new ServiceChange { Manager = Manager, UnitPath = UnitPath, Action = ServiceChangeActions.Absent, Commands = [] };
        }

        if (Manager == ServiceManagers.Systemd)
        {
            RequireUserBus();
            Check(Run("systemctl", "--user", "disable", "--now", ServiceDefinition.SystemdUnitName), "stop and disable msgcode.service");
            File.Delete(UnitPath);
            Check(Run("systemctl", "--user", "daemon-reload"), "reload the user manager");
        }
        else
        {
            BootoutLaunchd();
            File.Delete(UnitPath);
        }

        if (home is not null)
        {
            File.Delete(ServiceDefinition.LauncherPath(home));
        }

        return new ServiceChange { Manager = Manager, UnitPath = UnitPath, Action = ServiceChangeActions.Removed, Commands = [.. _commands] };
    }

    /// <summary>
    /// Starts (or restarts) the daemon through the installed service: systemctl --user start|restart; launchctl
    /// kickstart [-k] when the agent is loaded, else enable and bootstrap (RunAtLoad starts it).
    /// </summary>
    public void Start(bool restart)
    {
        RequireManager();
        if (Manager == ServiceManagers.Systemd)
        {
            RequireUserBus();
            Check(Run("systemctl", "--user", restart ? "restart" : "start", ServiceDefinition.SystemdUnitName), $"{(restart ? "restart" : "start")} msgcode.service");
        }
        else if (LaunchdLoaded())
        {
            var args = restart ? new[] { "kickstart", "-k", LaunchdTarget } : ["kickstart", LaunchdTarget];
            Check(Run("launchctl", args), "start the msgcode agent");
        }
        else
        {
            Run("launchctl", "enable", LaunchdTarget);
            BootstrapLaunchd();
        }
    }

    /// <summary>
    /// Stops the daemon through the installed service, so its supervisor does not start it again: systemctl --user
    /// stop (which waits for the drain), or launchctl bootout (the agent stays unloaded until the next start or login).
    /// </summary>
    public void Stop()
    {
        RequireManager();
        if (Manager == ServiceManagers.Systemd)
        {
            RequireUserBus();
            Check(Run("systemctl", "--user", "stop", ServiceDefinition.SystemdUnitName), "stop msgcode.service");
        }
        else
        {
            BootoutLaunchd();
        }
    }

    public ServiceInfo Get(ServiceDefinition? expected)
    {
        if (Manager == ServiceManagers.None)
        {
            return new ServiceInfo { Manager = Manager, Warnings = ["No service manager on this platform: the daemon runs detached (Start-MsgcodeDaemon)."] };
        }

        var installed = File.Exists(UnitPath);
        bool? upToDate = installed && expected is not null ? File.ReadAllText(UnitPath) == Render(expected) : null;
        var warnings = new List<string>();
        if (upToDate == false && InstalledOrigin() == UnitFileOrigin.EditedByHand)
        {
            warnings.Add("The installed unit was edited by hand: Install-MsgcodeService leaves it as it is, and replaces it only with -Force.");
        }
        else if (upToDate == false)
        {
            warnings.Add("The installed unit differs from what Install-MsgcodeService would write now (a moved pwsh or module, or new settings); run Install-MsgcodeService again.");
        }

        if (Manager == ServiceManagers.Systemd)
        {
            if (!HasUserBus(out var why))
            {
                return new ServiceInfo { Manager = Manager, UnitPath = UnitPath, Installed = installed, UpToDate = upToDate, Warnings = [.. warnings, why] };
            }

            var active = Run("systemctl", "--user", "is-active", ServiceDefinition.SystemdUnitName);
            var enabled = Run("systemctl", "--user", "is-enabled", ServiceDefinition.SystemdUnitName);
            var user = _environment.GetValueOrDefault("USER") ?? Environment.UserName;
            var linger = Run("loginctl", "show-user", user, "--property=Linger", "--value");
            return new ServiceInfo
            {
                Manager = Manager,
                UnitPath = UnitPath,
                Installed = installed,
                UpToDate = upToDate,
                State = FirstLine(active.StdOut) ?? (active.ExitCode == CommandResult.NotFound ? "systemctl not found" : "unknown"),
                Enabled = enabled.Succeeded && FirstLine(enabled.StdOut) == "enabled",
                Linger = linger.Succeeded ? FirstLine(linger.StdOut) == "yes" : null,
                Warnings = [.. warnings],
            };
        }

        var print = Run("launchctl", "print", LaunchdTarget);
        var state = print.Succeeded
            ? print.StdOut.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("state = ", StringComparison.Ordinal))?["state = ".Length..] ?? "loaded"
            : "not loaded";
        return new ServiceInfo { Manager = Manager, UnitPath = UnitPath, Installed = installed, UpToDate = upToDate, State = state, Enabled = installed ? LaunchdEnabled() : false, Warnings = [.. warnings] };
    }

    /// <summary>
    /// launchd's own word: a label is enabled unless <c>launchctl print-disabled</c> lists it as disabled
    /// ("=> disabled" since macOS 11, "=> true" before). Null when launchctl cannot say.
    /// </summary>
    private bool? LaunchdEnabled()
    {
        var result = Run("launchctl", "print-disabled", LaunchdDomain);
        if (!result.Succeeded)
        {
            return null;
        }

        var quoted = $"\"{ServiceDefinition.LaunchdLabel}\"";
        var line = result.StdOut.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(quoted + " ", StringComparison.Ordinal));
        var value = line?.Split("=>", 2).ElementAtOrDefault(1)?.Trim();
        return value is not ("disabled" or "true");
    }

    private bool LaunchdLoaded() => Run("launchctl", "print", LaunchdTarget).Succeeded;

    private void BootoutLaunchd()
    {
        if (!LaunchdLoaded())
        {
            return;
        }

        Run("launchctl", "bootout", LaunchdTarget);
        // bootout is asynchronous: wait until launchd no longer knows the job.
        for (var i = 0; i < 50 && LaunchdLoaded(); i++)
        {
            Thread.Sleep(200);
        }
    }

    private void BootstrapLaunchd()
    {
        CommandResult result = new(1, string.Empty, string.Empty);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            result = Run("launchctl", "bootstrap", LaunchdDomain, UnitPath);
            if (result.Succeeded)
            {
                return;
            }

            var words = result.StdErr + result.StdOut;
            if (words.Contains("Could not find domain", StringComparison.OrdinalIgnoreCase) || words.Contains("Domain does not support", StringComparison.OrdinalIgnoreCase)
                || words.Contains("125:", StringComparison.Ordinal))
            {
                throw new MsgcodeException(ErrorIds.ServiceManagerUnavailable, MsgcodeErrorCategory.ResourceUnavailable, LaunchdDomain,
                    $"There is no GUI session for this user ({LaunchdDomain}), so launchd cannot load the agent (for example over SSH). Log in at the Mac, or run the daemon detached with Start-MsgcodeDaemon.");
            }

            // "5: Input/output error" is usually a bootout still in progress: wait and retry.
            Thread.Sleep(500 * attempt);
        }

        Check(result, $"load the agent into {LaunchdDomain}");
    }

    public void RequireManager()
    {
        if (Manager == ServiceManagers.None)
        {
            throw new MsgcodeException(ErrorIds.ServiceManagerUnavailable, MsgcodeErrorCategory.NotImplemented, Manager,
                "There is no service manager msgcode supports on this platform; the daemon runs detached. Start it with Start-MsgcodeDaemon.");
        }
    }

    private void RequireUserBus()
    {
        if (!HasUserBus(out var why))
        {
            throw new MsgcodeException(ErrorIds.ServiceManagerUnavailable, MsgcodeErrorCategory.ResourceUnavailable, "systemctl --user", why);
        }
    }

    private bool HasUserBus(out string why)
    {
        var runtime = _environment.GetValueOrDefault("XDG_RUNTIME_DIR");
        if (string.IsNullOrEmpty(runtime) && string.IsNullOrEmpty(_environment.GetValueOrDefault("DBUS_SESSION_BUS_ADDRESS")))
        {
            var uid = ProcessControl.GetUserId();
            why = $"There is no systemd user bus in this session (XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS are not set, as after sudo or su). Log in as the user, or run: export XDG_RUNTIME_DIR=/run/user/{uid}";
            return false;
        }

        why = string.Empty;
        return true;
    }

    private CommandResult Run(string program, params string[] arguments)
    {
        _commands.Add(program + " " + string.Join(' ', arguments));
        return _runner.Run(program, arguments);
    }

    private static void Check(CommandResult result, string what)
    {
        if (result.Succeeded)
        {
            return;
        }

        if (result.StdErr.Contains("Failed to connect to bus", StringComparison.OrdinalIgnoreCase) || result.StdErr.Contains("Failed to connect to user scope bus", StringComparison.OrdinalIgnoreCase))
        {
            throw new MsgcodeException(ErrorIds.ServiceManagerUnavailable, MsgcodeErrorCategory.ResourceUnavailable, "systemctl --user",
                $"Could not {what}: the systemd user manager is not reachable ({result.StdErr.Trim()}). Log in as the user, or set XDG_RUNTIME_DIR=/run/user/<uid>.");
        }

        throw new MsgcodeException(ErrorIds.ServiceCommandFailed, result.ExitCode == CommandResult.NotFound ? MsgcodeErrorCategory.NotInstalled : MsgcodeErrorCategory.InvalidOperation,
            what, $"Could not {what}: {result.Describe()}.");
    }

    private static string? FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
}
