namespace Msgcode.Core.Config;

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

    /// <summary>
    /// A warning, not an invalid setting (a legacy variable's value that msgcode ignores): the doctor warns, and
    /// Get-MsgcodeEffectiveConfig writes a warning instead of an error.
    /// </summary>
    public bool IsWarning { get; init; }

    public override string ToString()
    {
        var where = Path is null ? Layer : Line is int l ? $"{Path}:{l}" : Path;
        return $"{where}: {Message}";
    }
}
