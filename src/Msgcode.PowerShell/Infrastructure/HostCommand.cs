using System.Management.Automation;
using Msgcode.Core.Daemon;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>How to start a fresh pwsh like this one with this module imported (for the daemon and services).</summary>
internal static class HostCommand
{
    public static string PwshExecutable(PSCmdlet cmdlet, out List<string> prefix)
    {
        prefix = [];
        var process = Environment.ProcessPath ?? "pwsh";
        if (string.Equals(Path.GetFileNameWithoutExtension(process), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            // pwsh run as a dotnet tool: dotnet <PSHOME>/pwsh.dll
            var psHome = cmdlet.SessionState.PSVariable.GetValue("PSHOME") as string ?? AppContext.BaseDirectory;
            prefix.Add(Path.Combine(psHome, "pwsh.dll"));
        }

        return process;
    }

    /// <summary>The capability registry: the module's capabilities.json with the user's layered over it.</summary>
    public static Core.Runners.CapabilityRegistry Capabilities(PSCmdlet cmdlet)
    {
        var moduleBase = cmdlet.MyInvocation.MyCommand.Module?.ModuleBase ?? Path.GetDirectoryName(typeof(HostCommand).Assembly.Location)!;
        return Core.Runners.CapabilityRegistry.Load(Path.Combine(moduleBase, "capabilities.json"), Core.Config.MsgcodeHome.Resolve().CapabilitiesFile);
    }

    /// <summary>The code runners of this module, by kind (the registry's builtin entries point at them).</summary>
    public static IReadOnlyDictionary<string, Core.Runners.IRunner> BuiltinRunners(PSCmdlet cmdlet)
    {
        var exe = PwshExecutable(cmdlet, out var prefix);
        return BuiltinRunners(exe, prefix);
    }

    private static IReadOnlyDictionary<string, Core.Runners.IRunner> BuiltinRunners(string exe, List<string> prefix)
    {
        var lmStudio = new Core.Runners.LmStudioRunner(Core.Config.MsgcodeHome.Resolve());
        return new Dictionary<string, Core.Runners.IRunner>(StringComparer.OrdinalIgnoreCase)
        {
            ["pwsh"] = new Core.Runners.PwshRunner(exe, prefix),
            ["shell"] = new Core.Runners.ShellRunner(),
            ["lmstudio"] = lmStudio,
            ["vision"] = new Core.Runners.VisionRunner(lmStudio),
            ["tts"] = new Core.Runners.TtsRunner(Core.Config.MsgcodeHome.Resolve()),
            ["asr"] = new Core.Runners.AsrRunner(Core.Config.MsgcodeHome.Resolve()),
        };
    }

    /// <summary>
    /// The runners a process hosting this module can run: every registry entry with an implementation. Kept
    /// while the registry files are unchanged, so repeated runs in one session do not parse them again.
    /// </summary>
    public static Core.Runners.RunnerRegistry Runners(PSCmdlet cmdlet) => RunnersSource(cmdlet)();

    /// <summary>
    /// <see cref="Runners"/> as a function that any thread may call later (the daemon asks once per run): what
    /// it needs from the session is read now.
    /// </summary>
    public static Func<Core.Runners.RunnerRegistry> RunnersSource(PSCmdlet cmdlet)
    {
        var moduleBase = cmdlet.MyInvocation.MyCommand.Module?.ModuleBase ?? Path.GetDirectoryName(typeof(HostCommand).Assembly.Location)!;
        var home = Core.Config.MsgcodeHome.Resolve();
        var builtin = Path.Combine(moduleBase, "capabilities.json");
        var exe = PwshExecutable(cmdlet, out var prefix);
        var hostKey = string.Join('\0', [exe, .. prefix, home.Path]);
        var builtins = new Lazy<IReadOnlyDictionary<string, Core.Runners.IRunner>>(() => BuiltinRunners(exe, prefix));
        return () => Core.Runners.RunnerRegistry.FromCached(Core.Runners.CapabilityRegistry.LoadCached(builtin, home.CapabilitiesFile), hostKey, () => builtins.Value);
    }

    public static string ModuleManifest(PSCmdlet cmdlet)
    {
        var moduleBase = cmdlet.MyInvocation.MyCommand.Module?.ModuleBase ?? Path.GetDirectoryName(typeof(HostCommand).Assembly.Location)!;
        var manifest = Path.Combine(moduleBase, "Msgcode.psd1");
        return File.Exists(manifest) ? manifest : Path.Combine(moduleBase, "Msgcode.PowerShell.dll");
    }

    /// <summary>pwsh -NoProfile -NonInteractive -Command "Import-Module ...; Start-MsgcodeDaemon -Foreground -Mode mode".</summary>
    public static DaemonCommand Daemon(PSCmdlet cmdlet, string mode)
    {
        var exe = PwshExecutable(cmdlet, out var arguments);
        var manifest = ModuleManifest(cmdlet).Replace("'", "''", StringComparison.Ordinal);
        arguments.AddRange(["-NoProfile", "-NonInteractive", "-Command", $"Import-Module '{manifest}' -ErrorAction Stop; Start-MsgcodeDaemon -Foreground -Mode {mode}"]);
        return new DaemonCommand(exe, arguments);
    }
}
