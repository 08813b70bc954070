using Msgcode.Core.Errors;

namespace Msgcode.Core.Config;

/// <summary>
/// The two layers that read environment variable names: the process environment and the home's .env file. Each
/// key is read from its MSGCODE_ name; the original msgcode's name (LOG_LEVEL, WORKSPACE_ROOT, ...) only when the
/// MSGCODE_ name is not set, labelled legacy, and a value of it that does not parse is a warning
/// (<see cref="ErrorIds.ConfigLegacyValueIgnored"/>): such a generic name may be another program's.
/// </summary>
public static partial class ConfigResolver
{
    private const string LegacyMark = " (legacy)";

    private static LayerData ReadEnvironmentLayer(IReadOnlyDictionary<string, string> environment)
    {
        var layer = new LayerData(ConfigLayer.Environment);
        foreach (var key in ConfigSchema.Keys)
        {
            if (environment.TryGetValue(key.EnvironmentVariable, out var value) && value.Length > 0)
            {
                layer.Settings[key] = new RawSetting(value, "env:" + key.EnvironmentVariable, null, Variable: key.EnvironmentVariable);
            }
            else if (key.LegacyEnvironmentVariable is { } legacy && environment.TryGetValue(legacy, out var old) && old.Length > 0)
            {
                layer.Settings[key] = new RawSetting(old, "env:" + legacy + LegacyMark, null, Variable: legacy, Legacy: true);
            }
        }

        return layer;
    }

    private static LayerData ReadEnvFileLayer(string path, List<ConfigIssue> issues)
    {
        var layer = new LayerData(ConfigLayer.EnvFile);
        if (!TryReadText(path, ConfigLayer.EnvFile, issues, out var text))
        {
            return layer;
        }

        foreach (var entry in EnvFileParser.Parse(text, path, issues))
        {
            var key = ConfigSchema.FindByEnvironmentVariable(entry.Name);
            if (key is null)
            {
                if (!ConfigSchema.ReservedVariables.Contains(entry.Name))
                {
                    issues.Add(new ConfigIssue
                    {
                        ErrorId = ErrorIds.ConfigKeyUnknown,
                        Layer = nameof(ConfigLayer.EnvFile),
                        Path = path,
                        Line = entry.Line,
                        Key = entry.Name,
                        Message = $"'{entry.Name}' is not a msgcode setting and is ignored. Get-MsgcodeEffectiveConfig lists every key with its EnvironmentVariable.",
                    });
                }

                continue;
            }

            var legacy = entry.Name != key.EnvironmentVariable;
            if (entry.Value.Length == 0 || (legacy && layer.Settings.TryGetValue(key, out var set) && !set.Legacy))
            {
                continue; // NAME= means unset, as in the environment; a legacy line never overrides the MSGCODE_ one
            }

            layer.Settings[key] = new RawSetting(entry.Value, path, entry.Line, Variable: entry.Name, Legacy: legacy);
        }

        return layer;
    }

    /// <summary>The variable that set a value, as Get-MsgcodeEffectiveConfig shows it: <c>LOG_LEVEL (legacy)</c> for an original name.</summary>
    private static string? Label(RawSetting setting) => setting.Variable is null ? null : setting.Legacy ? setting.Variable + LegacyMark : setting.Variable;

    private static ConfigIssue LegacyValueIgnored(ConfigKey key, ConfigLayer layer, RawSetting setting, string error) => new()
    {
        ErrorId = ErrorIds.ConfigLegacyValueIgnored,
        Layer = layer.ToString(),
        Path = setting.Path,
        Line = setting.Line,
        Key = key.Name,
        IsWarning = true,
        Message = $"{setting.Variable} is not read for {key.Name}: {(key.Secret ? "the value is not valid" : error)}. It is the original msgcode's name and may belong to " +
                  $"another program, so it is ignored. To set {key.Name}, use {key.EnvironmentVariable}, which wins over {setting.Variable}.",
    };

    private static string Fix(ConfigKey key, ConfigLayer layer, RawSetting setting) => layer switch
    {
        ConfigLayer.Environment => $"environment variable {setting.Variable ?? key.EnvironmentVariable}",
        ConfigLayer.EnvFile => $"the {setting.Variable ?? key.EnvironmentVariable} line of the .env file",
        ConfigLayer.Workspace => $"Set-MsgcodeConfig -Name {key.Name} -Workspace <path> -Value <value>",
        _ => $"Set-MsgcodeConfig -Name {key.Name} -Value <value>, or Reset-MsgcodeConfig -Name {key.Name}",
    };
}
