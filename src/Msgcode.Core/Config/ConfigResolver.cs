using Msgcode.Core.Errors;

namespace Msgcode.Core.Config;

/// <summary>
/// Resolves every key through the layers default → state → workspace → env-file → environment.
/// Nothing here throws for bad input: every problem is returned, located, and the next valid layer wins.
/// </summary>
public static partial class ConfigResolver
{
    /// <summary>
    /// One layer's value of a key; <paramref name="Problem"/> when the value could not be had at all (a secret whose vault is locked).
    /// <paramref name="Variable"/>: the variable that set it (environment and .env layers); <paramref name="Legacy"/>: it is the
    /// original msgcode's name, read only as a fallback.
    /// </summary>
    private sealed record RawSetting(object Raw, string? Path, int? Line, ConfigIssue? Problem = null, string? Variable = null, bool Legacy = false);

    private sealed class LayerData(ConfigLayer layer)
    {
        public ConfigLayer Layer { get; } = layer;

        public Dictionary<ConfigKey, RawSetting> Settings { get; } = [];

        /// <summary>Settings this layer may not make (a user-wide key in a workspace's file), each with the issue that says so.</summary>
        public Dictionary<ConfigKey, (RawSetting Setting, ConfigIssue Issue)> Ignored { get; } = [];
    }

    private static readonly Storage.StampedCache<(string Home, string Workspace), (IReadOnlyDictionary<string, string> Environment, ConfigReport Report)> Cache = new();

    /// <summary>
    /// <see cref="Resolve"/>, reusing the last report for the same home and workspace while the state,
    /// workspace and env-file files are unchanged (by length and time stamp) and the environment is the same.
    /// For callers that resolve on every run (a task run, the daemon's queue); the report is shared, read-only.
    /// </summary>
    public static ConfigReport ResolveCached(ConfigSources sources)
    {
        var files = new List<string>(4) { sources.Home.StateFile, sources.Home.EnvFile, sources.Home.SecretsFile };
        if (sources.WorkspaceConfigFile is string workspaceFile)
        {
            files.Add(workspaceFile);
        }

        return Cache.Get(
            (sources.Home.Path, sources.WorkspacePath ?? string.Empty),
            files,
            () => (sources.Environment, Resolve(sources)),
            // A value read from a vault is read again each time: the vault may change (or unlock) without any file changing.
            cached => SameEnvironment(cached.Environment, sources.Environment) && !cached.Report.ReadsVault).Report;
    }

    private static bool SameEnvironment(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public static ConfigReport Resolve(ConfigSources sources)
    {
        var issues = new List<ConfigIssue>();
        var readsVault = false;
        var layers = new List<LayerData>
        {
            ReadJsonLayer(ConfigLayer.State, sources.Home.StateFile, issues, sources.Home, ref readsVault),
        };
        if (sources.WorkspaceConfigFile is string workspaceFile)
        {
            layers.Add(ReadJsonLayer(ConfigLayer.Workspace, workspaceFile, issues, null, ref readsVault));
        }

        layers.Add(ReadEnvFileLayer(sources.Home.EnvFile, issues));
        layers.Add(ReadEnvironmentLayer(sources.Environment));
        layers.Reverse(); // highest first

        var entries = new List<ConfigEntry>(ConfigSchema.Keys.Count);
        foreach (var key in ConfigSchema.Keys)
        {
            entries.Add(ResolveKey(key, layers, issues));
        }

        return new ConfigReport { Entries = entries, Problems = issues, ReadsVault = readsVault };
    }

    private static ConfigEntry ResolveKey(ConfigKey key, List<LayerData> layersHighFirst, List<ConfigIssue> allIssues)
    {
        object? winner = null;
        var winnerLayer = ConfigLayer.Default;
        string? winnerPath = null;
        int? winnerLine = null;
        string? winnerVariable = null;
        var found = false;
        var rows = new List<ConfigLayerValue>();
        var problems = new List<ConfigIssue>();
        for (var index = 0; index < layersHighFirst.Count; index++)
        {
            var layer = layersHighFirst[index];
            if (layer.Ignored.TryGetValue(key, out var ignored))
            {
                // Shown where the key is asked about (its Problems, -Explain), not only in the list of every problem.
                problems.Add(ignored.Issue);
                rows.Add(new ConfigLayerValue
                {
                    Name = key.Name, Layer = layer.Layer.ToString(), Status = "Ignored", Path = ignored.Setting.Path, Line = ignored.Setting.Line,
                    ErrorId = ignored.Issue.ErrorId, Message = ignored.Issue.Message, RawValue = ignored.Setting.Raw,
                });
            }

            if (!layer.Settings.TryGetValue(key, out var setting))
            {
                continue;
            }

            if (setting.Problem is { } unreadable)
            {
                problems.Add(unreadable);
                allIssues.Add(unreadable);
                rows.Add(new ConfigLayerValue
                {
                    Name = key.Name, Layer = layer.Layer.ToString(), Status = "Invalid", Path = setting.Path, ErrorId = unreadable.ErrorId, Message = unreadable.Message,
                });
                continue;
            }

            if (!found && layer.Layer == ConfigLayer.Workspace && key.WorkspaceTightenOnly is { } order && key.TryConvert(setting.Raw, out var asked, out _)
                && UserWide(key, layersHighFirst, index) is var user && order.ToList().IndexOf((string)asked!) > order.ToList().IndexOf((string)user!))
            {
                var refused = new ConfigIssue
                {
                    ErrorId = ErrorIds.ConfigWorkspaceCannotLoosen,
                    Layer = layer.Layer.ToString(),
                    Path = setting.Path,
                    Line = setting.Line,
                    Key = key.Name,
                    Message = $"The workspace sets {key.Name} to '{asked}', looser than '{user}' set for the user; a workspace may only tighten it, so '{user}' stays. " +
                              $"Remove it from {setting.Path}, or change it for the user: Set-MsgcodeConfig {key.Name} {asked}.",
                };
                problems.Add(refused);
                allIssues.Add(refused);
                rows.Add(new ConfigLayerValue
                {
                    Name = key.Name, Layer = layer.Layer.ToString(), Status = "Invalid", Path = setting.Path, Line = setting.Line,
                    ErrorId = refused.ErrorId, Message = refused.Message, RawValue = setting.Raw,
                });
                continue;
            }

            if (!key.TryConvert(setting.Raw, out var value, out var error))
            {
                if (setting.Legacy)
                {
                    var warning = LegacyValueIgnored(key, layer.Layer, setting, error);
                    allIssues.Add(warning);
                    rows.Add(new ConfigLayerValue
                    {
                        Name = key.Name, Layer = layer.Layer.ToString(), Status = "Ignored", Path = setting.Path, Line = setting.Line, Variable = Label(setting),
                        ErrorId = warning.ErrorId, Message = warning.Message, RawValue = setting.Raw,
                    });
                    continue;
                }

                var issue = new ConfigIssue
                {
                    ErrorId = ErrorIds.ConfigValueInvalid,
                    Layer = layer.Layer.ToString(),
                    Path = setting.Path,
                    Line = setting.Line,
                    Key = key.Name,
                    Message = $"Invalid value for '{key.Name}': {(key.Secret ? "the value is not valid" : error)}. This layer is skipped; " +
                              $"set {key.Describe()} or remove it ({Fix(key, layer.Layer, setting)}).",
                };
                problems.Add(issue);
                allIssues.Add(issue);
                rows.Add(new ConfigLayerValue
                {
                    Name = key.Name, Layer = layer.Layer.ToString(), Status = "Invalid", Path = setting.Path, Line = setting.Line,
                    ErrorId = issue.ErrorId, Message = issue.Message, RawValue = setting.Raw,
                });
                continue;
            }

            rows.Add(new ConfigLayerValue
            {
                Name = key.Name, Layer = layer.Layer.ToString(), Status = found ? "Shadowed" : "Effective", Value = key.Display(value),
                Path = setting.Path, Line = setting.Line, Variable = Label(setting), RawValue = value,
            });
            if (!found)
            {
                found = true;
                winner = value;
                winnerLayer = layer.Layer;
                winnerPath = setting.Path;
                winnerLine = setting.Line;
                winnerVariable = Label(setting);
            }
        }

        if (!found)
        {
            winner = key.Default;
        }

        rows.Add(new ConfigLayerValue { Name = key.Name, Layer = nameof(ConfigLayer.Default), Status = found ? "Shadowed" : "Effective", Value = key.Display(key.Default) });

        return new ConfigEntry
        {
            Name = key.Name,
            Value = key.Display(winner),
            RawValue = winner,
            Source = winnerLayer.ToString(),
            SourcePath = winnerPath,
            SourceLine = winnerLine,
            SourceVariable = winnerVariable,
            Type = key.Type.ToString(),
            Default = key.Display(key.Default),
            EnvironmentVariable = key.EnvironmentVariable,
            LegacyEnvironmentVariable = key.LegacyEnvironmentVariable,
            AllowedValues = key.AllowedValues?.ToArray(),
            IsSecret = key.Secret,
            WorkspaceScoped = key.WorkspaceScoped,
            Description = key.Description,
            Shadowed = rows.Where(r => r.Status == "Shadowed" && (r.Layer != nameof(ConfigLayer.Default) || key.Default is not null)).Select(r => r.Describe()).ToArray(),
            Problems = problems.Select(p => $"{p.ErrorId}: {p}").ToArray(),
            Layers = rows,
        };
    }

    /// <summary>The value the layers below <paramref name="index"/> give the key (the user's state, or the default).</summary>
    private static object? UserWide(ConfigKey key, List<LayerData> layersHighFirst, int index)
    {
        for (var i = index + 1; i < layersHighFirst.Count; i++)
        {
            if (layersHighFirst[i].Settings.TryGetValue(key, out var setting) && key.TryConvert(setting.Raw, out var value, out _))
            {
                return value;
            }
        }

        return key.Default;
    }

    /// <summary>
    /// A JSON layer. In the state layer (<paramref name="home"/> given) a secret key holds a <see cref="SecretReference"/>,
    /// read from the secrets file or a vault; a workspace file's reference is never followed (a cloned repository could
    /// otherwise name the user's secret), so there it is an invalid value.
    /// </summary>
    private static LayerData ReadJsonLayer(ConfigLayer which, string path, List<ConfigIssue> issues, MsgcodeHome? home, ref bool readsVault)
    {
        var layer = new LayerData(which);
        if (!TryReadText(path, which, issues, out var text))
        {
            return layer;
        }

        if (!ConfigFile.TryParseSettings(which, path, text, issues, out var settings))
        {
            return layer;
        }

        foreach (var (name, element) in settings)
        {
            var key = ConfigSchema.Find(name);
            if (key is null)
            {
                issues.Add(new ConfigIssue
                {
                    ErrorId = ErrorIds.ConfigKeyUnknown,
                    Layer = which.ToString(),
                    Path = path,
                    Key = name,
                    Message = $"'{name}' is not a msgcode setting and is ignored. Remove it with Reset-MsgcodeConfig -Name '{name}'{(which == ConfigLayer.Workspace ? " -Workspace <path>" : string.Empty)}, or by editing the file.",
                });
                continue;
            }

            if (which == ConfigLayer.Workspace && !key.WorkspaceScoped)
            {
                var issue = new ConfigIssue
                {
                    ErrorId = ErrorIds.ConfigKeyNotWorkspaceScoped,
                    Layer = which.ToString(),
                    Path = path,
                    Key = key.Name,
                    Message = $"'{key.Name}' is user-wide (it applies to the daemon and every workspace, not to one workspace), so its value in this workspace's file is ignored. " +
                              $"Remove it from the file; to change it for the user: Set-MsgcodeConfig -Name {key.Name} -Value <value>.",
                };
                issues.Add(issue);
                layer.Ignored[key] = (new RawSetting(element, path, null), issue);
                continue;
            }

            if (home is not null && key.Secret && SecretReference.From(element) is { } reference)
            {
                readsVault |= reference.Vault is not null;
                var secret = SecretStore.Read(home, key, reference, out var problem);
                layer.Settings[key] = secret is null
                    ? new RawSetting(element, reference.Describe(home), null, problem ?? new ConfigIssue { ErrorId = ErrorIds.SecretNotFound, Layer = which.ToString(), Path = reference.Describe(home), Key = key.Name, Message = $"{reference.Name} holds no value." })
                    : new RawSetting(secret, reference.Describe(home), null);
                continue;
            }

            layer.Settings[key] = new RawSetting(element, path, null);
        }

        return layer;
    }

    private static bool TryReadText(string path, ConfigLayer which, List<ConfigIssue> issues, out string text)
    {
        text = string.Empty;
        try
        {
            text = File.ReadAllText(path);
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            issues.Add(new ConfigIssue
            {
                ErrorId = ErrorIds.ConfigFileUnreadable,
                Layer = which.ToString(),
                Path = path,
                Message = $"Cannot read the file: {ex.Message} Its settings are ignored; check its permissions (it should be readable by you).",
            });
            return false;
        }
    }
}
