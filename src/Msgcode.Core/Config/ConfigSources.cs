using System.Collections;

namespace Msgcode.Core.Config;

/// <summary>What configuration is read from: the home, an optional workspace, an environment.</summary>
public sealed class ConfigSources
{
    public ConfigSources(MsgcodeHome home, string? workspacePath = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        Home = home;
        WorkspacePath = workspacePath is null ? null : Path.GetFullPath(workspacePath);
        Environment = environment ?? SnapshotEnvironment();
    }

    public MsgcodeHome Home { get; }

    public string? WorkspacePath { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public string? WorkspaceConfigFile => WorkspacePath is null ? null : WorkspaceConfigPath(WorkspacePath);

    public static string WorkspaceConfigPath(string workspace) => Path.Combine(workspace, ".msgcode", "config.json");

    /// <summary>This process's environment and home.</summary>
    public static ConfigSources ForCurrentProcess(string? workspacePath = null)
    {
        var environment = SnapshotEnvironment();
        return new ConfigSources(MsgcodeHome.Resolve(environment), workspacePath, environment);
    }

    public static IReadOnlyDictionary<string, string> SnapshotEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value)
            {
                result[key] = value;
            }
        }

        return result;
    }
}
