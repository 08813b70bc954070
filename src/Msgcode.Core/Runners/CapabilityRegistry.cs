using System.Text.Json;
using System.Text.Json.Serialization;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Runners;

/// <summary>The capability registry: the module's capabilities.json with the user's (&lt;home&gt;/capabilities.json) layered over it.</summary>
public sealed class CapabilityRegistry
{
    private sealed class RegistryFile
    {
        [JsonPropertyName("version")]
        public int Version { get; set; }

        [JsonPropertyName("runners")]
        public List<JsonElement> Runners { get; set; } = [];
    }

    private static readonly JsonSerializerOptions Options = new() { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public required IReadOnlyList<RunnerEntry> Entries { get; init; }

    public required IReadOnlyList<MsgcodeProblem> Problems { get; init; }

    public RunnerEntry? Find(string kind) => Entries.FirstOrDefault(e => string.Equals(e.Kind, kind, StringComparison.OrdinalIgnoreCase));

    private static readonly Storage.StampedCache<(string, string), CapabilityRegistry> Cache = new();

    /// <summary>
    /// <see cref="Load"/>, reusing the last registry while both files are unchanged (by length and time stamp):
    /// for callers that need the registry on every run. The registry is shared; do not change its entries.
    /// </summary>
    public static CapabilityRegistry LoadCached(string builtinPath, string userPath)
    {
        var builtin = Path.GetFullPath(builtinPath);
        var user = Path.GetFullPath(userPath);
        return Cache.Get((builtin, user), [builtin, user], () => Load(builtin, user));
    }

    /// <summary>Loads the built-in file and the user's file; a broken file or entry is reported and the rest still loads.</summary>
    public static CapabilityRegistry Load(string builtinPath, string userPath)
    {
        var problems = new List<MsgcodeProblem>();
        var entries = new Dictionary<string, RunnerEntry>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        foreach (var (path, label) in new[] { (builtinPath, "module"), (userPath, "user") })
        {
            foreach (var entry in ReadFile(path, label, problems))
            {
                if (!entries.ContainsKey(entry.Kind))
                {
                    order.Add(entry.Kind);
                }

                entries[entry.Kind] = entry; // the user's entry replaces the module's
            }
        }

        return new CapabilityRegistry { Entries = order.Select(k => entries[k]).ToList(), Problems = problems };
    }

    private static IEnumerable<RunnerEntry> ReadFile(string path, string label, List<MsgcodeProblem> problems)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        RegistryFile? file = null;
        try
        {
            file = JsonSerializer.Deserialize<RegistryFile>(File.ReadAllText(path), Options);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            problems.Add(new MsgcodeProblem(ErrorIds.CapabilityFileInvalid, MsgcodeErrorCategory.InvalidData, path,
                $"The {label} capability registry cannot be read ({ex.Message}); its runners are ignored until it is repaired.", (ex as JsonException)?.LineNumber is long l ? (int)l + 1 : null));
        }

        if (file is null)
        {
            yield break;
        }

        var index = 0;
        foreach (var element in file.Runners)
        {
            index++;
            RunnerEntry? entry = null;
            string? error = null;
            try
            {
                entry = element.Deserialize<RunnerEntry>(Options);
                error = entry is null ? "empty entry" : Validate(entry);
            }
            catch (JsonException ex)
            {
                error = ex.Message;
            }

            if (error is not null)
            {
                problems.Add(new MsgcodeProblem(ErrorIds.CapabilityEntryInvalid, MsgcodeErrorCategory.InvalidData, path,
                    $"Runner entry #{index}{(entry?.Kind is { Length: > 0 } k ? $" ('{k}')" : string.Empty)} in the {label} registry is skipped: {error}.", null));
                continue;
            }

            entry!.Source = path;
            yield return entry;
        }
    }

    private static string? Validate(RunnerEntry entry)
    {
        if (string.IsNullOrWhiteSpace(entry.Kind) || !System.Text.RegularExpressions.Regex.IsMatch(entry.Kind, "^[a-z][a-z0-9-]{0,63}$"))
        {
            return "'kind' must be lower-case letters, digits and '-'";
        }

        if (string.IsNullOrWhiteSpace(entry.Description))
        {
            return "'description' is missing";
        }

        if (entry.Risk is not ("low" or "medium" or "high"))
        {
            return "'risk' must be low, medium or high";
        }

        if (!entry.Builtin)
        {
            if (entry.Command is null || string.IsNullOrWhiteSpace(entry.Command.Executable))
            {
                return "a runner that is not built in needs a 'command' with an 'executable'";
            }

            if (entry.Command.Prompt is not ("argument" or "stdin" or "file" or "stdin-json"))
            {
                return "'command.prompt' must be argument, stdin, file or stdin-json";
            }

            if (entry.Command.Result.From is not ("stdout" or "file" or "json" or "jsonl" or "events"))
            {
                return "'command.result.from' must be stdout, file, json, jsonl or events";
            }

            if (entry.Command.Result.From is "json" or "jsonl" && string.IsNullOrWhiteSpace(entry.Command.Result.Field))
            {
                return "'command.result.field' is needed to read json or jsonl";
            }

            if (entry.Command.Result.From == "events" && entry.Command.Events is null)
            {
                return "'command.result.from' events needs 'command.events'";
            }

            if (entry.Command.Events is { } events && events.Format != "jsonl")
            {
                return "'command.events.format' must be jsonl";
            }

            if (entry.Command.ModelPattern is { } pattern)
            {
                try
                {
                    _ = new System.Text.RegularExpressions.Regex(pattern);
                }
                catch (ArgumentException)
                {
                    return "'command.modelPattern' is not a valid regular expression";
                }
            }
        }

        foreach (var dependency in entry.Dependencies)
        {
            if (dependency.Type is not ("executable" or "http" or "env" or "file") || string.IsNullOrWhiteSpace(dependency.Name))
            {
                return "each dependency needs a 'type' (executable, http, env or file) and a 'name'";
            }
        }

        return null;
    }
}
