namespace Msgcode.Core.Config;

/// <summary>The outcome of a write: where it went, and whether a higher layer still wins.</summary>
public sealed class ConfigChange
{
    public required string Name { get; init; }

    public required ConfigLayer Layer { get; init; }

    public required string Path { get; init; }

    /// <summary>True when the file was changed (false when the value was already there, or already absent).</summary>
    public required bool Changed { get; init; }

    /// <summary>The effective entry after the write.</summary>
    public required ConfigEntry Effective { get; init; }

    /// <summary>When a higher layer shadows the written value: how to find it (a variable name or a file).</summary>
    public string? ShadowedBy { get; init; }
}
