namespace Msgcode.Core.Config;

/// <summary>The result of resolving every layer: one entry per key, plus every problem met.</summary>
public sealed class ConfigReport
{
    public required IReadOnlyList<ConfigEntry> Entries { get; init; }

    /// <summary>All problems: per-key invalid values, unknown keys, unreadable or malformed files.</summary>
    public required IReadOnlyList<ConfigIssue> Problems { get; init; }

    /// <summary>Whether a value was read from a SecretManagement vault (such a report is not cached: the vault changes without a file changing).</summary>
    internal bool ReadsVault { get; init; }

    public ConfigEntry this[string name] => Entries.First(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The unredacted effective value of a key (for Core's own use; never print it).</summary>
    public object? GetRaw(string name) => this[name].RawValue;

    public long GetInt64(string name) => (long)GetRaw(name)!;

    public string? GetString(string name) => GetRaw(name) as string;

    public bool GetBoolean(string name) => (bool)GetRaw(name)!;

    /// <summary>
    /// Whether the user's secrets may go where this configuration points: false when a workspace's config.json sets an
    /// endpoint (lmstudio.baseUrl) and the workspace is not in workspace.trusted.
    /// </summary>
    public bool SecretsAllowedFor(string? workspacePath)
    {
        var redirected = Entries.Where(e => e.Source == nameof(ConfigLayer.Workspace) && ConfigSchema.Find(e.Name) is { Endpoint: true }).ToList();
        if (redirected.Count == 0 || workspacePath is null)
        {
            return true;
        }

        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workspacePath));
        var trusted = GetRaw("workspace.trusted") as IEnumerable<string> ?? [];
        return trusted.Any(t => string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(ExpandHome(t))), full, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));
    }

    /// <summary>The workspace-set endpoints that keep the user's secrets from this workspace (for the doctor).</summary>
    public IReadOnlyList<ConfigEntry> UntrustedEndpoints(string workspacePath)
        => SecretsAllowedFor(workspacePath) ? [] : Entries.Where(e => e.Source == nameof(ConfigLayer.Workspace) && ConfigSchema.Find(e.Name) is { Endpoint: true }).ToList();

    private static string ExpandHome(string path)
        => path == "~" || path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/')) : path;

    /// <summary>
    /// Every value of every secret key in every layer (the effective one and those it shadows, valid or not): what
    /// must never reach a ledger, a log, a summary or an artifact, whichever layer a runner might have seen.
    /// </summary>
    public IReadOnlyList<string> SecretValues()
        => Entries.Where(e => e.IsSecret)
            .SelectMany(e => e.GetLayers().Select(l => l.RawValue).Append(e.RawValue))
            .SelectMany(v => v switch { string s => [s], IEnumerable<string> list => list, _ => [] })
            .Where(v => v.Trim().Length >= 4)
            .SelectMany(v => v == v.Trim() ? [v] : new[] { v, v.Trim() })
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(v => v.Length) // a longer secret first, so a shorter one inside it cannot leave part of it
            .ToList();
}
