using System.Text;
using System.Text.Json;

namespace Msgcode.Core.Logging;

/// <summary>One line of msgcode's log, parsed.</summary>
public sealed class LogEntry
{
    public DateTimeOffset? Timestamp { get; init; }

    public string? Level { get; init; }

    public string? Module { get; init; }

    public string? Message { get; init; }

    /// <summary>Every field besides ts, level, module and msg, in file order.</summary>
    public IReadOnlyDictionary<string, object?> Fields { get; init; } = new Dictionary<string, object?>();

    /// <summary>The line as written.</summary>
    public required string Line { get; init; }

    /// <summary>Set on the marker entries a follower emits: "truncated" or "rotated".</summary>
    public string? Marker { get; init; }

    public static LogEntry Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new LogEntry { Line = line, Message = line };
            }

            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            DateTimeOffset? ts = null;
            string? level = null, module = null, message = null;
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "ts" when property.Value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(property.Value.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed):
                        ts = parsed;
                        break;
                    case "level":
                        level = property.Value.ToString();
                        break;
                    case "module":
                        module = property.Value.ToString();
                        break;
                    case "msg":
                        message = property.Value.ToString();
                        break;
                    default:
                        fields[property.Name] = ToValue(property.Value);
                        break;
                }
            }

            return new LogEntry { Timestamp = ts, Level = level, Module = module, Message = message, Fields = fields, Line = line };
        }
        catch (JsonException)
        {
            return new LogEntry { Line = line, Message = line };
        }
    }

    public bool AtLeast(LogLevel minimum) => Marker is not null || Level is null || MsgcodeLog.ParseLevel(Level) >= minimum;

    public override string ToString()
    {
        if (Marker is not null)
        {
            return $"--- log {Marker} ---";
        }

        var builder = new StringBuilder();
        builder.Append(Timestamp?.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture)).Append(' ')
            .Append(Level?.ToUpperInvariant()).Append(' ').Append(Module).Append(": ").Append(Message);
        foreach (var (key, value) in Fields)
        {
            builder.Append(' ').Append(key).Append('=').Append(value);
        }

        return builder.ToString();
    }

    private static object? ToValue(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number when element.TryGetInt64(out var l) => l,
        JsonValueKind.Number => element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => element.GetRawText(),
    };
}
