namespace Msgcode.Core.Config;

/// <summary>The effective value of one key, where it came from, and what it shadows.</summary>
public sealed class ConfigEntry
{
    public required string Name { get; init; }

    /// <summary>The effective value (secrets redacted).</summary>
    public object? Value { get; init; }

    /// <summary>The layer that supplied <see cref="Value"/>: Default, State, Workspace, EnvFile or Environment.</summary>
    public required string Source { get; init; }

    /// <summary>The file that supplied the value, or <c>env:NAME</c> for the process environment (<c>env:LOG_LEVEL (legacy)</c> for an original name); null for a default.</summary>
    public string? SourcePath { get; init; }

    /// <summary>The line in <see cref="SourcePath"/>, where the layer has lines (.env).</summary>
    public int? SourceLine { get; init; }

    public required string Type { get; init; }

    public object? Default { get; init; }

    /// <summary>The key's environment variable (and .env name), MSGCODE_-prefixed.</summary>
    public required string EnvironmentVariable { get; init; }

    /// <summary>The original msgcode's name for the key, read only when <see cref="EnvironmentVariable"/> is unset; null for new keys.</summary>
    public string? LegacyEnvironmentVariable { get; init; }

    /// <summary>
    /// The variable that supplied <see cref="Value"/> (Environment and EnvFile layers): the MSGCODE_ name, or the
    /// original name marked <c>(legacy)</c>, such as <c>LOG_LEVEL (legacy)</c>; null for the other layers.
    /// </summary>
    public string? SourceVariable { get; init; }

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
