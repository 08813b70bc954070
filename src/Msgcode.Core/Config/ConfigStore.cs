using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Config;

/// <summary>
/// Writes the state layer (<c>state.json</c>) or a workspace layer (<c>.msgcode/config.json</c>): under the
/// file's lock, through the atomic-write primitive, touching only the key asked for.
/// </summary>
public static class ConfigStore
{
    /// <summary>Validates and resolves a key name, or throws <see cref="ErrorIds.ConfigKeyUnknown"/>.</summary>
    public static ConfigKey RequireKey(string name)
        => ConfigSchema.Find(name) ?? throw new MsgcodeException(ErrorIds.ConfigKeyUnknown, MsgcodeErrorCategory.InvalidArgument, name,
            $"'{name}' is not a msgcode setting. Get-MsgcodeEffectiveConfig lists every key.");

    /// <summary>Converts a caller's value, or throws <see cref="ErrorIds.ConfigValueInvalid"/>.</summary>
    public static object Validate(ConfigKey key, object? value)
    {
        if (!key.TryConvert(value, out var converted, out var error) || converted is null)
        {
            // Most reasons already say what is expected ("expected one of ..., got 'x'"): the hint is added only where one does not.
            var reason = key.Secret ? "the value is not valid" : error;
            var expected = reason.Contains(key.Describe(), StringComparison.Ordinal) ? string.Empty : $" Expected {key.Describe()}.";
            throw new MsgcodeException(ErrorIds.ConfigValueInvalid, MsgcodeErrorCategory.InvalidArgument, key.Name,
                $"Invalid value for '{key.Name}': {reason}.{expected}");
        }

        return converted;
    }

    public static (ConfigLayer Layer, string Path) Target(ConfigSources sources, ConfigKey key, bool workspace)
    {
        if (!workspace)
        {
            return (ConfigLayer.State, sources.Home.StateFile);
        }

        if (sources.WorkspacePath is null)
        {
            throw new ArgumentException("A workspace path is required.", nameof(sources));
        }

        if (!key.WorkspaceScoped)
        {
            throw new MsgcodeException(ErrorIds.ConfigKeyNotWorkspaceScoped, MsgcodeErrorCategory.InvalidArgument, key.Name,
                $"'{key.Name}' applies to the whole user, not to one workspace. Set it without -Workspace.");
        }

        RequireWorkspace(sources.WorkspacePath);
        return (ConfigLayer.Workspace, sources.WorkspaceConfigFile!);
    }

    public static void RequireWorkspace(string path)
    {
        if (!Directory.Exists(path))
        {
            throw new MsgcodeException(ErrorIds.WorkspaceNotFound, MsgcodeErrorCategory.ObjectNotFound, path,
                $"The workspace folder '{path}' does not exist. Create it first, or pass an existing folder to -Workspace.");
        }
    }

    /// <summary>
    /// Sets <paramref name="key"/> in the state layer, or the workspace layer when <paramref name="workspace"/> is true.
    /// A secret key set for the user never reaches state.json: its value goes to <paramref name="vault"/> (a SecretManagement
    /// vault, see <see cref="SecretStore.ChooseVault"/>) or, when that is null, to the 0600 secrets file, and state.json
    /// keeps a <see cref="SecretReference"/>. The reference is written after the value, so a failed vault leaves both as they were.
    /// </summary>
    public static ConfigChange Set(ConfigSources sources, ConfigKey key, object? value, bool workspace, string? vault = null)
    {
        var normalized = Validate(key, value);
        var (layer, path) = Target(sources, key, workspace);
        bool changed;
        using (FileLock.For(path))
        {
            var document = ConfigFile.LoadForRewrite(layer, path);
            var settings = ConfigFile.SettingsOf(layer, document);
            var existingName = settings.Select(p => p.Key).FirstOrDefault(n => string.Equals(n, key.Name, StringComparison.OrdinalIgnoreCase));
            var newNode = ConfigFile.ToNode(normalized);
            var valueChanged = false;
            if (key.Secret && layer == ConfigLayer.State)
            {
                var (reference, stored) = SecretStore.Put(sources.Home, key, (string)normalized, vault);
                newNode = reference.ToNode();
                valueChanged = stored;
                if (existingName is not null && SecretReference.From(settings[existingName]) is { } previous && previous != reference)
                {
                    ForgetMoved(sources.Home, previous);
                }
            }

            var nodeChanged = existingName is null || !System.Text.Json.Nodes.JsonNode.DeepEquals(settings[existingName], newNode) || existingName != key.Name;
            changed = nodeChanged || valueChanged;
            if (nodeChanged)
            {
                if (existingName is not null)
                {
                    settings.Remove(existingName);
                }

                settings[key.Name] = newNode;
                AtomicFile.WriteAllText(path, ConfigFile.Serialize(document), new AtomicWriteOptions { OwnerOnly = layer == ConfigLayer.State || key.Secret });
            }
        }

        return Outcome(sources, key, layer, path, changed);
    }

    /// <summary>The value moved to another store (the file to a vault, or back): the old copy goes; a vault that cannot be reached keeps it, never in clear.</summary>
    private static void ForgetMoved(MsgcodeHome home, SecretReference previous)
    {
        try
        {
            SecretStore.Forget(home, previous);
        }
        catch (MsgcodeException)
        {
        }
    }

    /// <summary>Removes <paramref name="key"/> from the state or workspace layer, so lower layers show through.</summary>
    public static ConfigChange Unset(ConfigSources sources, ConfigKey key, bool workspace)
    {
        var (layer, path) = workspace
            ? (ConfigLayer.Workspace, sources.WorkspaceConfigFile ?? throw new ArgumentException("A workspace path is required.", nameof(sources)))
            : (ConfigLayer.State, sources.Home.StateFile);
        if (workspace)
        {
            RequireWorkspace(sources.WorkspacePath!);
        }

        var changed = false;
        if (File.Exists(path))
        {
            using (FileLock.For(path))
            {
                var document = ConfigFile.LoadForRewrite(layer, path);
                var settings = ConfigFile.SettingsOf(layer, document);
                foreach (var name in settings.Select(p => p.Key).Where(n => string.Equals(n, key.Name, StringComparison.OrdinalIgnoreCase)).ToList())
                {
                    if (key.Secret && layer == ConfigLayer.State && SecretReference.From(settings[name]) is { } reference)
                    {
                        SecretStore.Forget(sources.Home, reference); // a vault that refuses (locked) stops the reset before state.json changes
                    }

                    settings.Remove(name);
                    changed = true;
                }

                if (changed)
                {
                    AtomicFile.WriteAllText(path, ConfigFile.Serialize(document), new AtomicWriteOptions { OwnerOnly = layer == ConfigLayer.State });
                }
            }
        }

        return Outcome(sources, key, layer, path, changed);
    }

    /// <summary>Names set in a layer's file, including unknown ones (so they can be removed).</summary>
    public static IReadOnlyList<string> NamesIn(ConfigSources sources, bool workspace)
    {
        var layer = workspace ? ConfigLayer.Workspace : ConfigLayer.State;
        var path = workspace ? sources.WorkspaceConfigFile! : sources.Home.StateFile;
        if (!File.Exists(path))
        {
            return [];
        }

        var document = ConfigFile.LoadForRewrite(layer, path);
        return ConfigFile.SettingsOf(layer, document).Select(p => p.Key).ToList();
    }

    /// <summary>Removes a name that is not a known key (debris of a typo or an older version).</summary>
    public static bool RemoveUnknown(ConfigSources sources, string name, bool workspace)
    {
        var layer = workspace ? ConfigLayer.Workspace : ConfigLayer.State;
        var path = workspace ? sources.WorkspaceConfigFile! : sources.Home.StateFile;
        if (!File.Exists(path))
        {
            return false;
        }

        using (FileLock.For(path))
        {
            var document = ConfigFile.LoadForRewrite(layer, path);
            var settings = ConfigFile.SettingsOf(layer, document);
            if (!settings.Remove(name))
            {
                return false;
            }

            AtomicFile.WriteAllText(path, ConfigFile.Serialize(document), new AtomicWriteOptions { OwnerOnly = layer == ConfigLayer.State });
            return true;
        }
    }

    private static ConfigChange Outcome(ConfigSources sources, ConfigKey key, ConfigLayer layer, string path, bool changed)
    {
        var effective = ConfigResolver.Resolve(sources)[key.Name];
        string? shadowedBy = null;
        if (Enum.TryParse<ConfigLayer>(effective.Source, out var winner) && winner > layer)
        {
            var variable = effective.SourceVariable ?? key.EnvironmentVariable;
            shadowedBy = winner == ConfigLayer.Environment
                ? $"environment variable {variable}"
                : $"{variable} in {effective.SourcePath}{(effective.SourceLine is int l ? $":{l}" : string.Empty)}";
        }

        return new ConfigChange { Name = key.Name, Layer = layer, Path = path, Changed = changed, Effective = effective, ShadowedBy = shadowedBy };
    }
}
