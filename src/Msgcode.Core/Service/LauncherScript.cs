using System.Text;

namespace Msgcode.Core.Service;

/// <summary>
/// The script the service unit and the launchd agent run (<c>&lt;home&gt;/bin/msgcode-daemon</c>). A unit that names
/// pwsh directly breaks when pwsh moves: a pwsh run as a dotnet tool lives in the NuGet package cache, which a
/// cache clean empties and a tool update replaces. The script finds pwsh each time the service starts, and imports
/// the module from the path fixed at install time; when it finds nothing it says so on stderr (the journal, or
/// launchd's captured error file) and exits 78, which the unit does not restart.
/// </summary>
public sealed class LauncherScript
{
    /// <summary>Exit code of a launcher that cannot start the daemon (EX_CONFIG): the unit's RestartPreventExitStatus.</summary>
    public const int ConfigurationExitCode = 78;

    /// <summary>The module manifest (or assembly) the daemon imports: fixed at install time.</summary>
    public required string ModuleManifest { get; init; }

    /// <summary>The pwsh executable Install-MsgcodeService ran in, when it was not a dotnet tool's pwsh.dll.</summary>
    public string? Pwsh { get; init; }

    /// <summary>The dotnet host that ran pwsh.dll at install time (a dotnet tool).</summary>
    public string? Dotnet { get; init; }

    /// <summary>The pwsh.dll run at install time; tried after the tool manifest, while it is still there.</summary>
    public string? PwshDll { get; init; }

    /// <summary>The dotnet-tools.json that provides pwsh, when one was found at install time.</summary>
    public string? ToolManifest { get; init; }

    /// <summary>The NuGet global packages folder that held pwsh.dll (NUGET_PACKAGES at start overrides it).</summary>
    public string? PackagesRoot { get; init; }

    /// <summary>
    /// What the running pwsh tells about itself: a native pwsh, or dotnet with a pwsh.dll (then the tool manifest that
    /// names powershell is looked for above <paramref name="searchFrom"/>, nearest first).
    /// </summary>
    public static LauncherScript Detect(string processPath, string? pwshDll, string moduleManifest, IEnumerable<string> searchFrom)
    {
        if (pwshDll is null)
        {
            return new LauncherScript { ModuleManifest = moduleManifest, Pwsh = processPath };
        }

        var marker = $"{Path.DirectorySeparatorChar}powershell{Path.DirectorySeparatorChar}";
        var at = pwshDll.LastIndexOf(marker, StringComparison.OrdinalIgnoreCase);
        return new LauncherScript
        {
            ModuleManifest = moduleManifest,
            Dotnet = processPath,
            PwshDll = pwshDll,
            PackagesRoot = at > 0 ? pwshDll[..at] : null,
            ToolManifest = searchFrom.Select(FindToolManifest).FirstOrDefault(m => m is not null),
        };
    }

    /// <summary>The nearest dotnet-tools.json at or above <paramref name="directory"/> that names the powershell tool.</summary>
    public static string? FindToolManifest(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, ".config", "dotnet-tools.json"), Path.Combine(dir.FullName, "dotnet-tools.json") })
            {
                try
                {
                    if (File.Exists(candidate) && File.ReadAllText(candidate).Contains("\"powershell\"", StringComparison.OrdinalIgnoreCase))
                    {
                        return candidate;
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }
        }

        return null;
    }

    /// <summary>The POSIX sh script. Usage: <c>msgcode-daemon systemd|launchd|foreground</c>.</summary>
    public string Render()
    {
        var b = new StringBuilder();
        b.Append("#!/bin/sh\n");
        b.Append("# The msgcode daemon's launcher, written by Install-MsgcodeService (which rewrites it) for the service unit.\n");
        b.Append("# It finds pwsh each time the service starts, so a cleaned NuGet cache or an updated PowerShell does not\n");
        b.Append("# break the service; the module is the one fixed at install. Usage: msgcode-daemon systemd|launchd|foreground\n");
        b.Append("module=").Append(Sh(ModuleManifest)).Append('\n');
        b.Append("pwsh_at_install=").Append(Sh(Pwsh)).Append('\n');
        b.Append("dotnet_at_install=").Append(Sh(Dotnet)).Append('\n');
        b.Append("pwsh_dll_at_install=").Append(Sh(PwshDll)).Append('\n');
        b.Append("tool_manifest=").Append(Sh(ToolManifest)).Append('\n');
        b.Append("packages=\"${NUGET_PACKAGES:-").Append(PackagesRoot is null ? "$HOME/.nuget/packages" : ShInDoubleQuotes(PackagesRoot)).Append("}\"\n");
        b.Append($$"""
            mode="${1:-foreground}"

            fail() {
                printf 'msgcode-daemon: %s\n' "$1" >&2
                exit {{ConfigurationExitCode}}
            }

            case "$mode" in systemd|launchd|foreground) ;; *) fail "unknown mode '$mode' (systemd, launchd or foreground)";; esac
            [ -f "$module" ] || fail "the msgcode module is gone: $module. Run Install-MsgcodeService again from the module the service should run."
            command_line="Import-Module '$(printf '%s' "$module" | sed "s/'/''/g")' -ErrorAction Stop; Start-MsgcodeDaemon -Foreground -Mode $mode"
            run() {
                exec "$@" -NoProfile -NonInteractive -Command "$command_line"
            }

            find_dotnet() {
                for d in "$dotnet_at_install" "$(command -v dotnet 2>/dev/null)" "$HOME/.dotnet/dotnet" /usr/local/share/dotnet/dotnet /usr/share/dotnet/dotnet /usr/lib/dotnet/dotnet; do
                    if [ -n "$d" ] && [ -x "$d" ]; then echo "$d"; return 0; fi
                done
                return 1
            }

            # The pwsh.dll of the version the tool manifest names now (package folders are lower case).
            tool_dll() {
                version=$(tr -d '\r\n' < "$tool_manifest" | tr 'A-Z' 'a-z' | sed -n 's/.*"powershell"[^}]*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
                [ -n "$version" ] || return 1
                for dll in "$packages"/powershell/"$version"/tools/*/any/unix/pwsh.dll; do
                    if [ -f "$dll" ]; then echo "$dll"; return 0; fi
                done
                return 1
            }

            # 1. The pwsh Install-MsgcodeService ran in, while it is there.
            if [ -n "$pwsh_at_install" ] && [ -x "$pwsh_at_install" ]; then run "$pwsh_at_install"; fi

            # 2. pwsh as a dotnet tool of the tool manifest: restored when the package cache lost it.
            if [ -n "$tool_manifest" ] && [ -f "$tool_manifest" ] && dotnet=$(find_dotnet); then
                dll=$(tool_dll)
                if [ -z "$dll" ]; then
                    printf 'msgcode-daemon: pwsh of %s is not in %s; running dotnet tool restore\n' "$tool_manifest" "$packages" >&2
                    "$dotnet" tool restore --tool-manifest "$tool_manifest" >&2
                    dll=$(tool_dll)
                fi
                if [ -n "$dll" ]; then run "$dotnet" "$dll"; fi
            fi

            # 3. The pwsh.dll run at install, while it is there.
            if [ -n "$pwsh_dll_at_install" ] && [ -f "$pwsh_dll_at_install" ] && dotnet=$(find_dotnet); then run "$dotnet" "$pwsh_dll_at_install"; fi

            # 4. pwsh on PATH, then where the installers put it.
            for candidate in "$(command -v pwsh 2>/dev/null)" /usr/local/bin/pwsh /usr/bin/pwsh /opt/microsoft/powershell/7/pwsh /opt/homebrew/bin/pwsh /usr/local/microsoft/powershell/7/pwsh "$HOME/.dotnet/tools/pwsh"; do
                if [ -n "$candidate" ] && [ -x "$candidate" ]; then run "$candidate"; fi
            done

            fail "no pwsh found (not at install's '$pwsh_at_install$pwsh_dll_at_install', not through '$tool_manifest', not on PATH '$PATH' nor in the usual places). Install PowerShell 7.4 or newer, or run Install-MsgcodeService again from the pwsh the service should use."

            """);
        return b.ToString();
    }

    /// <summary>One sh word in single quotes ('' for null).</summary>
    internal static string Sh(string? text) => "'" + (text ?? string.Empty).Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string ShInDoubleQuotes(string text)
        => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("$", "\\$", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal);
}
