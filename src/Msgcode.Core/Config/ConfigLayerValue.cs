namespace Msgcode.Core.Config;

/// <summary>What one layer says about one key: its value and whether it won, lost or was invalid.</summary>
public sealed class ConfigLayerValue
{
    public required string Name { get; init; }

    public required string Layer { get; init; }

    /// <summary>
    /// Effective (this layer's value is in force), Shadowed (a higher layer wins), Invalid (skipped) or Ignored (a
    /// user-wide key set in a workspace's file, which may not set it).
    /// </summary>
    public required string Status { get; init; }

    /// <summary>The value (secrets redacted); null for an invalid value.</summary>
    public object? Value { get; init; }

    public string? Path { get; init; }

    public int? Line { get; init; }

    /// <summary>The variable that set the value (Environment and EnvFile layers), marked <c>(legacy)</c> for an original msgcode name.</summary>
    public string? Variable { get; init; }

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

    public override string ToString() => Status switch
    {
        "Invalid" => $"{Layer}: invalid ({Message})",
        "Ignored" => $"{Layer}: ignored ({Message})",
        _ => Describe(),
    };
}
