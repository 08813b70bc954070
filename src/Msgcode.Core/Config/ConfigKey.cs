using System.Globalization;
using System.Text.Json;

namespace Msgcode.Core.Config;

/// <summary>
/// One configuration key, declared once: its dotted name, environment variable, type, default,
/// allowed values, whether it is secret, and what it means.
/// </summary>
public sealed class ConfigKey
{
    public required string Name { get; init; }

    /// <summary>The environment variable (and .env name) of the key; every one begins with MSGCODE_.</summary>
    public required string EnvironmentVariable { get; init; }

    /// <summary>
    /// The original msgcode's name for the key (LOG_LEVEL, WORKSPACE_ROOT, ...), or null. It is read only when
    /// <see cref="EnvironmentVariable"/> is unset, is shown as legacy, and a value of it that does not parse is a
    /// warning, not an invalid setting: such generic names may belong to another program.
    /// </summary>
    public string? LegacyEnvironmentVariable { get; init; }

    public required ConfigValueType Type { get; init; }

    /// <summary>The default in its normalized form (string, long, bool or string[]); null when unset.</summary>
    public object? Default { get; init; }

    public IReadOnlyList<string>? AllowedValues { get; init; }

    public long? Minimum { get; init; }

    public long? Maximum { get; init; }

    public bool Secret { get; init; }

    /// <summary>Whether a workspace's <c>.msgcode/config.json</c> may set this key.</summary>
    public bool WorkspaceScoped { get; init; }

    /// <summary>
    /// For a security setting a workspace may only tighten: its values from the strictest to the loosest. A workspace
    /// value looser than what the user set (or the default) is refused, so a cloned repository cannot loosen the policy.
    /// </summary>
    public IReadOnlyList<string>? WorkspaceTightenOnly { get; init; }

    /// <summary>An endpoint: a workspace that sets it gets none of the user's secrets unless the user trusts it (workspace.trusted).</summary>
    public bool Endpoint { get; init; }

    public required string Description { get; init; }

    /// <summary>The text shown in place of a secret value.</summary>
    public const string Redacted = "********";

    /// <summary>
    /// Converts a raw value (a string from an environment or .env file, a JsonElement from a JSON
    /// layer, or a value passed by a caller) to the key's normalized type.
    /// </summary>
    public bool TryConvert(object? raw, out object? value, out string error)
    {
        value = null;
        error = string.Empty;
        switch (raw)
        {
            case null:
                error = "the value is null";
                return false;
            case JsonElement element:
                return TryConvertJson(element, out value, out error);
            case string text:
                return TryConvertText(text, out value, out error);
            case bool b when Type == ConfigValueType.Boolean:
                value = b;
                return true;
            case bool:
                error = $"expected {Describe()}, got a boolean";
                return false;
            case sbyte or byte or short or ushort or int or uint or long or ulong when Type == ConfigValueType.Integer:
                return TryConvertInteger(Convert.ToDecimal(raw, CultureInfo.InvariantCulture), out value, out error);
            case float or double or decimal when Type == ConfigValueType.Integer:
                var d = Convert.ToDecimal(raw, CultureInfo.InvariantCulture);
                if (decimal.Truncate(d) != d)
                {
                    error = $"expected {Describe()}, got {d.ToString(CultureInfo.InvariantCulture)}";
                    return false;
                }

                return TryConvertInteger(d, out value, out error);
            case System.Collections.IEnumerable list when Type == ConfigValueType.StringList:
                var items = new List<string>();
                foreach (var item in list)
                {
                    if (item is not string s)
                    {
                        error = "expected a list of strings";
                        return false;
                    }

                    items.Add(s);
                }

                return TryConvertList(items, out value, out error);
            default:
                return TryConvertText(Convert.ToString(raw, CultureInfo.InvariantCulture) ?? string.Empty, out value, out error);
        }
    }

    /// <summary>A value as people and JSON should see it: secrets redacted.</summary>
    public object? Display(object? value)
    {
        if (Secret && value is string s && s.Length > 0)
        {
            return Redacted;
        }

        return value is string[] array ? array.ToArray() : value;
    }

    /// <summary>The value as it is written back to a JSON layer.</summary>
    public static object? ToJsonValue(object? value) => value;

    public string Describe() => Type switch
    {
        ConfigValueType.Integer when Minimum is not null && Maximum is not null => $"a whole number from {Minimum} to {Maximum}",
        ConfigValueType.Integer when Minimum is not null => $"a whole number of at least {Minimum}",
        ConfigValueType.Integer => "a whole number",
        ConfigValueType.Boolean => "true or false",
        ConfigValueType.Enum => "one of " + string.Join(", ", AllowedValues ?? []),
        ConfigValueType.StringList => "a list of strings (JSON array, or comma-separated text)",
        ConfigValueType.Url => "an absolute http or https URL",
        ConfigValueType.Path => "a path",
        _ => "text",
    };

    private bool TryConvertJson(JsonElement element, out object? value, out string error)
    {
        value = null;
        error = string.Empty;
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return TryConvertText(element.GetString()!, out value, out error);
            case JsonValueKind.Number when Type == ConfigValueType.Integer:
                if (!element.TryGetDecimal(out var number) || decimal.Truncate(number) != number)
                {
                    error = $"expected {Describe()}, got {element.GetRawText()}";
                    return false;
                }

                return TryConvertInteger(number, out value, out error);
            case JsonValueKind.True or JsonValueKind.False when Type == ConfigValueType.Boolean:
                value = element.GetBoolean();
                return true;
            case JsonValueKind.Array when Type == ConfigValueType.StringList:
                var items = new List<string>();
                foreach (var item in element.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        error = $"expected a list of strings, found {item.ValueKind.ToString().ToLowerInvariant()} {item.GetRawText()}";
                        return false;
                    }

                    items.Add(item.GetString()!);
                }

                return TryConvertList(items, out value, out error);
            default:
                error = $"expected {Describe()}, got {element.ValueKind.ToString().ToLowerInvariant()} {Shorten(element.GetRawText())}";
                return false;
        }
    }

    private bool TryConvertText(string text, out object? value, out string error)
    {
        value = null;
        error = string.Empty;
        var trimmed = text.Trim();
        switch (Type)
        {
            case ConfigValueType.Integer:
                if (!decimal.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    error = $"expected {Describe()}, got '{Shorten(text)}'";
                    return false;
                }

                return TryConvertInteger(number, out value, out error);
            case ConfigValueType.Boolean:
                switch (trimmed.ToLowerInvariant())
                {
                    case "true" or "1" or "yes" or "on":
                        value = true;
                        return true;
                    case "false" or "0" or "no" or "off":
                        value = false;
                        return true;
                    default:
                        error = $"expected true or false (also 1/0, yes/no, on/off), got '{Shorten(text)}'";
                        return false;
                }

            case ConfigValueType.Enum:
                var match = AllowedValues!.FirstOrDefault(v => string.Equals(v, trimmed, StringComparison.OrdinalIgnoreCase));
                if (match is null)
                {
                    error = $"expected {Describe()}, got '{Shorten(text)}'";
                    return false;
                }

                value = match;
                return true;
            case ConfigValueType.StringList:
                return TryConvertList(trimmed.Length == 0 ? [] : trimmed.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToList(), out value, out error);
            case ConfigValueType.Url:
                if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    error = $"expected {Describe()}, got '{Shorten(text)}'";
                    return false;
                }

                value = trimmed.TrimEnd('/');
                return true;
            case ConfigValueType.Path:
                if (trimmed.Length == 0 || trimmed.IndexOf('\0') >= 0)
                {
                    error = "expected a non-empty path";
                    return false;
                }

                value = trimmed;
                return true;
            default:
                if (AllowedPattern is not null && !AllowedPattern.IsMatch(trimmed))
                {
                    error = $"'{Shorten(text)}' does not match {AllowedPattern}";
                    return false;
                }

                value = Secret ? text : trimmed;
                return true;
        }
    }

    /// <summary>Optional shape a String value must have.</summary>
    public System.Text.RegularExpressions.Regex? AllowedPattern { get; init; }

    private bool TryConvertInteger(decimal number, out object? value, out string error)
    {
        value = null;
        error = string.Empty;
        if (number < long.MinValue || number > long.MaxValue)
        {
            error = $"{number.ToString(CultureInfo.InvariantCulture)} is out of range";
            return false;
        }

        var n = (long)number;
        if ((Minimum is long min && n < min) || (Maximum is long max && n > max))
        {
            error = $"expected {Describe()}, got {n.ToString(CultureInfo.InvariantCulture)}";
            return false;
        }

        value = n;
        return true;
    }

    private static bool TryConvertList(List<string> items, out object? value, out string error)
    {
        error = string.Empty;
        value = items.Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();
        return true;
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";

    public override string ToString() => Name;
}
