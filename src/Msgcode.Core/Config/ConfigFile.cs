using System.Text.Json;
using System.Text.Json.Nodes;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Config;

/// <summary>
/// The JSON layers' file shapes. state.json: <c>{"version":1,"config":{"dotted.key":value},...}</c>
/// (other sections, such as chat cursors, belong to other stores and are preserved). A workspace's
/// <c>.msgcode/config.json</c>: a flat object of dotted keys, as in the original msgcode.
/// </summary>
internal static class ConfigFile
{
    public const string StateConfigProperty = "config";

    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true };

    private static readonly JsonDocumentOptions ReadOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static bool TryParseSettings(ConfigLayer layer, string path, string text, List<ConfigIssue> issues, out List<(string Name, JsonElement Value)> settings)
    {
        settings = [];
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, ReadOptions);
        }
        catch (JsonException ex)
        {
            issues.Add(InvalidJson(layer, path, ex));
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                issues.Add(Shape(layer, path, "the file must hold a JSON object"));
                return false;
            }

            var holder = root;
            if (layer == ConfigLayer.State)
            {
                if (!root.TryGetProperty(StateConfigProperty, out holder))
                {
                    return true;
                }

                if (holder.ValueKind != JsonValueKind.Object)
                {
                    issues.Add(Shape(layer, path, $"\"{StateConfigProperty}\" must be a JSON object of dotted keys"));
                    return false;
                }
            }

            foreach (var property in holder.EnumerateObject())
            {
                settings.Add((property.Name, property.Value.Clone()));
            }
        }

        return true;
    }

    /// <summary>
    /// Parses the file for a rewrite. A missing or empty file yields a fresh document; a corrupt one is
    /// refused (never overwritten) with <see cref="ErrorIds.ConfigFileCorruptNotRewritten"/>.
    /// </summary>
    public static JsonObject LoadForRewrite(ConfigLayer layer, string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            text = string.Empty;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MsgcodeException(ErrorIds.ConfigFileUnreadable, MsgcodeErrorCategory.ReadError, path,
                $"Cannot read '{path}': {ex.Message} Check its permissions.", ex);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return layer == ConfigLayer.State ? new JsonObject { ["version"] = 1 } : [];
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: ReadOptions);
        }
        catch (JsonException ex)
        {
            throw Corrupt(path, $"it is not valid JSON ({ex.Message})", ex);
        }

        if (node is not JsonObject obj)
        {
            throw Corrupt(path, "it does not hold a JSON object", null);
        }

        if (layer == ConfigLayer.State && obj[StateConfigProperty] is not null and not JsonObject)
        {
            throw Corrupt(path, $"its \"{StateConfigProperty}\" is not a JSON object", null);
        }

        return obj;
    }

    public static JsonObject SettingsOf(ConfigLayer layer, JsonObject document)
    {
        if (layer != ConfigLayer.State)
        {
            return document;
        }

        if (document[StateConfigProperty] is not JsonObject config)
        {
            config = [];
            document[StateConfigProperty] = config;
        }

        return config;
    }

    public static string Serialize(JsonObject document) => document.ToJsonString(WriteOptions) + "\n";

    public static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        long l => JsonValue.Create(l),
        bool b => JsonValue.Create(b),
        string[] list => new JsonArray(list.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
        _ => throw new ArgumentException($"Unsupported configuration value type {value.GetType()}", nameof(value)),
    };

    private static MsgcodeException Corrupt(string path, string reason, Exception? inner) => new(
        ErrorIds.ConfigFileCorruptNotRewritten,
        MsgcodeErrorCategory.InvalidData,
        path,
        $"'{path}' was not changed because {reason}. Repair or remove the file by hand, then try again.",
        inner);

    private static ConfigIssue InvalidJson(ConfigLayer layer, string path, JsonException ex) => new()
    {
        ErrorId = ErrorIds.ConfigFileInvalidJson,
        Layer = layer.ToString(),
        Path = path,
        Line = ex.LineNumber is long l ? (int)l + 1 : null,
        Message = $"The file is not valid JSON ({ex.Message}). All its settings are ignored until it is repaired; msgcode will not overwrite it.",
    };

    private static ConfigIssue Shape(ConfigLayer layer, string path, string what) => new()
    {
        ErrorId = ErrorIds.ConfigFileInvalidJson,
        Layer = layer.ToString(),
        Path = path,
        Message = $"Unexpected shape: {what}. All its settings are ignored until it is repaired; msgcode will not overwrite it.",
    };
}
