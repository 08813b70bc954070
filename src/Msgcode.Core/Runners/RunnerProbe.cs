using System.Diagnostics;
using System.Text.RegularExpressions;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Runners;

/// <summary>Probes runners' dependencies: executables (found on PATH, version checked), HTTP endpoints, variables, files.</summary>
public static partial class RunnerProbe
{
    [GeneratedRegex(@"\d+(\.\d+){1,3}")]
    private static partial Regex VersionPattern();

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <param name="expand">Expands <c>{config:key}</c> placeholders in dependency names (e.g. an endpoint under lmstudio.baseUrl).</param>
    public static async Task<IReadOnlyList<RunnerInfo>> ProbeAllAsync(IEnumerable<RunnerEntry> entries, Func<RunnerEntry, bool> implemented, CancellationToken cancellationToken, Func<string, string>? expand = null)
        => await Task.WhenAll(entries.Select(e => Task.Run(() => ProbeAsync(e, implemented(e), cancellationToken, expand), cancellationToken))).ConfigureAwait(false);

    public static async Task<RunnerInfo> ProbeAsync(RunnerEntry entry, bool implemented, CancellationToken cancellationToken, Func<string, string>? expand = null)
    {
        var problems = new List<string>();
        var hints = new List<string>();
        string? version = null;
        if (!entry.SupportsThisPlatform())
        {
            problems.Add($"not supported on this platform (supports {string.Join(", ", entry.Platforms)})");
        }

        if (!implemented)
        {
            problems.Add("this version of msgcode has no built-in implementation of this kind");
        }

        foreach (var declared in entry.Dependencies)
        {
            var dependency = expand is null ? declared : new RunnerDependency
            {
                Type = declared.Type, Name = expand(declared.Name), VersionArguments = declared.VersionArguments, MinVersion = declared.MinVersion, Hint = declared.Hint,
            };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            var (ok, found, problem) = dependency.Type switch
            {
                "executable" => await ProbeExecutableAsync(dependency, timeout.Token).ConfigureAwait(false),
                "http" => await ProbeHttpAsync(dependency.Name, timeout.Token).ConfigureAwait(false),
                "env" => (Environment.GetEnvironmentVariable(dependency.Name) is { Length: > 0 }, null, $"environment variable {dependency.Name} is not set"),
                _ => (File.Exists(Environment.ExpandEnvironmentVariables(dependency.Name)) || Directory.Exists(Environment.ExpandEnvironmentVariables(dependency.Name)), null, $"'{dependency.Name}' does not exist"),
            };
            version ??= found;
            if (!ok)
            {
                problems.Add(problem!);
                if (dependency.Hint is not null)
                {
                    hints.Add(dependency.Hint);
                }
            }
        }

        var (loggedIn, account) = problems.Count == 0 && entry.Account is { } spec ? await ProbeAccountAsync(entry, spec, cancellationToken).ConfigureAwait(false) : (null, null);
        return new RunnerInfo
        {
            LoggedIn = loggedIn,
            Account = account,
            Kind = entry.Kind,
            Description = entry.Description,
            Implementation = entry.Builtin ? "builtin" : "declarative",
            Risk = entry.Risk,
            EditsFiles = entry.EditsFiles,
            Egress = entry.Egress,
            Platforms = [.. entry.Platforms],
            Available = problems.Count == 0,
            Version = version,
            Problems = [.. problems],
            FixHint = hints.Count > 0 ? string.Join(" ", hints.Distinct()) : null,
            Source = entry.Source,
        };
    }

    private static async Task<(bool?, string?)> ProbeAccountAsync(RunnerEntry entry, RunnerAccount spec, CancellationToken cancellationToken)
    {
        foreach (var name in spec.Environment ?? [])
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 })
            {
                return (true, $"{name} is set");
            }
        }

        foreach (var file in spec.Files ?? [])
        {
            var path = ExpandPath(file);
            if (File.Exists(path))
            {
                return (true, $"{path} exists");
            }
        }

        if (spec.Arguments is { Count: > 0 } arguments && entry.Command is { } command && ExecutableLocator.Find(command.Executable) is { } executable)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            var info = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            try
            {
                using var process = Process.Start(info)!;
                process.StandardInput.Close();
                var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
                var errors = process.StandardError.ReadToEndAsync(timeout.Token);
                try
                {
                    await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    return (null, $"'{command.Executable} {string.Join(' ', arguments)}' did not answer within {Timeout.TotalSeconds:0} s");
                }

                var text = (await output.ConfigureAwait(false)).Trim();
                if (text.Length == 0)
                {
                    text = (await errors.ConfigureAwait(false)).Trim(); // codex login status says "Not logged in" on stderr
                }

                // The line that says it: CLIs print warnings around it (codex: "WARNING: proceeding, ...").
                var said = text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0 && !l.StartsWith("WARNING", StringComparison.OrdinalIgnoreCase));
                return process.ExitCode == 0
                    ? (true, $"{command.Executable} {string.Join(' ', arguments)}: {said}")
                    : (false, $"not logged in ({command.Executable} {string.Join(' ', arguments)}: {said}).{(spec.Hint is null ? string.Empty : " " + spec.Hint)}");
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return (null, null);
            }
        }

        return spec.Environment is null && spec.Files is null ? (null, null) : (false, $"not logged in: none of {string.Join(", ", (spec.Environment ?? []).Concat((spec.Files ?? []).Select(ExpandPath)))}.{(spec.Hint is null ? string.Empty : " " + spec.Hint)}");
    }

    /// <summary>~ and {env:NAME|fallback} in a path.</summary>
    private static string ExpandPath(string path)
    {
        path = EnvPlaceholder().Replace(path, m => Environment.GetEnvironmentVariable(m.Groups[1].Value) is { Length: > 0 } value ? value : m.Groups[2].Value);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return path == "~" ? home : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, path[2..]) : path;
    }

    [GeneratedRegex(@"\{env:([A-Za-z_][A-Za-z0-9_]*)\|?([^}]*)\}")]
    private static partial Regex EnvPlaceholder();

    private static async Task<(bool Ok, string? Version, string? Problem)> ProbeExecutableAsync(RunnerDependency dependency, CancellationToken cancellationToken)
    {
        var path = ExecutableLocator.Find(dependency.Name);
        if (path is null)
        {
            return (false, null, $"'{dependency.Name}' is not on PATH");
        }

        if (dependency.VersionArguments is not { Count: > 0 })
        {
            return (true, null, null);
        }

        try
        {
            var info = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (var argument in dependency.VersionArguments)
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info)!;
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (false, null, $"'{dependency.Name} {string.Join(' ', dependency.VersionArguments)}' did not answer within {Timeout.TotalSeconds:0} s");
            }

            var text = await output.ConfigureAwait(false) + await errors.ConfigureAwait(false);
            var found = VersionPattern().Match(text);
            if (!found.Success)
            {
                return (process.ExitCode == 0, null, $"'{dependency.Name}' printed no version");
            }

            if (dependency.MinVersion is { } min && Version.TryParse(Normalize(found.Value), out var have) && Version.TryParse(Normalize(min), out var need) && have < need)
            {
                return (false, found.Value, $"'{dependency.Name}' {found.Value} is older than the {min} this runner needs");
            }

            return (true, found.Value, null);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (false, null, $"'{dependency.Name}' cannot be run: {ex.Message}");
        }
    }

    private static async Task<(bool, string?, string?)> ProbeHttpAsync(string url, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            using var response = await client.GetAsync(url, cancellationToken).ConfigureAwait(false);
            var ok = response.IsSuccessStatusCode || response.StatusCode == System.Net.HttpStatusCode.Unauthorized;
            return (ok, null, ok ? null : $"{url} answered {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException or InvalidOperationException)
        {
            return (false, null, $"{url} is not reachable ({ex.Message})");
        }
    }

    /// <summary>An expander for <c>{config:key}</c> placeholders from a resolved configuration.</summary>
    public static Func<string, string> ConfigExpander(Config.ConfigReport config)
        => text => ConfigPlaceholder().Replace(text, m => config.Entries.FirstOrDefault(e => e.Name == m.Groups[1].Value)?.Value?.ToString() ?? m.Value)
            .Replace("{tts:executable}", TtsExecutable(config.GetString("tts.backend")), StringComparison.Ordinal)
            .Replace("{asr:executable}", text.Contains("{asr:executable}", StringComparison.Ordinal) ? AsrEngine.ProgramFor(config) : string.Empty, StringComparison.Ordinal);

    /// <summary>The speech program tts.backend names (auto: say on macOS, espeak-ng elsewhere).</summary>
    public static string TtsExecutable(string? backend) => backend is null or "auto" ? (OperatingSystem.IsMacOS() ? "say" : "espeak-ng") : backend;

    [GeneratedRegex(@"\{config:([A-Za-z0-9.]+)\}")]
    private static partial Regex ConfigPlaceholder();

    private static string Normalize(string version) => version.Count(c => c == '.') == 0 ? version + ".0" : version;
}
