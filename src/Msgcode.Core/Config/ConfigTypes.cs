namespace Msgcode.Core.Config;

/// <summary>The effective value of one key, where it came from, and what it shadows.</summary>
public sealed class ConfigEntry
{
    public required string Name { get; init; }

    /// <summary>The effective value (secrets redacted).</summary>
    public object? Value { get; init; }

    /// <summary>The layer that supplied <see cref="Value"/>: Default, State, Workspace, EnvFile or Environment.</summary>
    public required string Source { get; init; }

    /// <summary>The file that supplied the value, or <c>env:NAME</c> for the process environment; null for a default.</summary>
    public string? SourcePath { get; init; }

    /// <summary>The line in <see cref="SourcePath"/>, where the layer has lines (.env).</summary>
    public int? SourceLine { get; init; }

    public required string Type { get; init; }

    public object? Default { get; init; }

    public required string EnvironmentVariable { get; init; }

    public string[]? AllowedValues { get; init; }

    public bool IsSecret { get; init; }

    public bool WorkspaceScoped { get; init; }

    public required string Description { get; init; }

    /// <summary>
    /// Valid values in lower layers that this value overrides, highest first, as
    /// <c>"Layer: value (path:line)"</c>. Text, so that a plain <c>ConvertTo-Json</c> of the entries is
    /// complete; <c>Get-MsgcodeEffectiveConfig -Explain</c> gives the same as objects.
    /// </summary>
    public required string[] Shadowed { get; init; }

    /// <summary>Invalid values for this key, as <c>"ErrorId: path:line: message"</c>; each was skipped.</summary>
    public required string[] Problems { get; init; }

    internal IReadOnlyList<ConfigLayerValue> Layers { get; init; } = [];

    /// <summary>Every layer that sets this key, highest first (the default last), with its status.</summary>
    public IReadOnlyList<ConfigLayerValue> GetLayers() => Layers;

    /// <summary>The unredacted effective value, for Core callers only (never shown).</summary>
    internal object? RawValue { get; init; }

    public override string ToString() => $"{Name}={Value}";
}

/// <summary>What one layer says about one key: its value and whether it won, lost or was invalid.</summary>
public sealed class ConfigLayerValue
{
    public required string Name { get; init; }

    public required string Layer { get; init; }

    /// <summary>Effective (this layer's value is in force), Shadowed (a higher layer wins) or Invalid (skipped).</summary>
    public required string Status { get; init; }

    /// <summary>The value (secrets redacted); null for an invalid value.</summary>
    public object? Value { get; init; }

    public string? Path { get; init; }

    public int? Line { get; init; }

    public string? ErrorId { get; init; }

    public string? Message { get; init; }

    /// <summary>The layer's value unredacted, for Core's own use (redaction of every known secret); never shown.</summary>
    internal object? RawValue { get; init; }

    internal string Describe()
    {
        var value = Value switch
        {
            null => "(unset)",
            string[] list => "[" + string.Join(", ", list) + "]",
            bool b => b ? "true" : "false",
            var v => v.ToString(),
        };
        var where = Path is null ? string.Empty : Line is int l ? $" ({Path}:{l})" : $" ({Path})";
        return $"{Layer}: {value}{where}";
    }

    public override string ToString() => Status == "Invalid" ? $"{Layer}: invalid ({Message})" : Describe();
}

/// <summary>A problem found while reading configuration: located, with a stable ErrorId.</summary>
public sealed class ConfigIssue
{
    public required string ErrorId { get; init; }

    public required string Layer { get; init; }

    public string? Path { get; init; }

    public int? Line { get; init; }

    /// <summary>The key concerned, when there is one.</summary>
    public string? Key { get; init; }

    public required string Message { get; init; }

    public override string ToString()
    {
        var where = Path is null ? Layer : Line is int l ? $"{Path}:{l}" : Path;
        return $"{where}: {Message}";
    }
}

/// <summary>The result of resolving every layer: one entry per key, plus every problem met.</summary>
public sealed class ConfigReport
{
    public required IReadOnlyList<ConfigEntry> Entries { get; init; }

    /// <summary>All problems: per-key invalid values, unknown keys, unreadable or malformed files.</summary>
    public required IReadOnlyList<ConfigIssue> Problems { get; init; }

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
