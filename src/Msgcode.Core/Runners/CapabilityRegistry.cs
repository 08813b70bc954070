using System.Text.Json;
using System.Text.Json.Serialization;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Runners;

/// <summary>One dependency of a runner: an executable (with a version probe), an HTTP endpoint, an environment variable, or a file.</summary>
public sealed class RunnerDependency
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = string.Empty; // executable | http | env | file

    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("versionArguments")]
    public List<string>? VersionArguments { get; set; }

    [JsonPropertyName("minVersion")]
    public string? MinVersion { get; set; }

    [JsonPropertyName("hint")]
    public string? Hint { get; set; }
}

/// <summary>
/// How to tell, on this machine alone, whether a CLI is logged in or configured: any of these variables set, any of
/// these files present, or the command exiting 0 (e.g. <c>codex login status</c>, which reads only local files).
/// Paths may start with ~ and use {env:NAME|fallback}.
/// </summary>
public sealed class RunnerAccount
{
    [JsonPropertyName("environment")]
    public List<string>? Environment { get; set; }

    [JsonPropertyName("files")]
    public List<string>? Files { get; set; }

    [JsonPropertyName("arguments")]
    public List<string>? Arguments { get; set; }

    [JsonPropertyName("hint")]
    public string? Hint { get; set; }
}

/// <summary>How a declarative runner is run: a command template, how the prompt is passed, how the answer is read.</summary>
public sealed class RunnerCommand
{
    [JsonPropertyName("executable")]
    public string Executable { get; set; } = string.Empty;

    /// <summary>Arguments with placeholders {prompt}, {promptFile}, {workspace}, {model}, {outputFile}.</summary>
    [JsonPropertyName("arguments")]
    public List<string> Arguments { get; set; } = [];

    /// <summary>A run of arguments dropped when the model is "auto" (e.g. ["--model", "{model}"]).</summary>
    [JsonPropertyName("omitIfAuto")]
    public List<string>? OmitIfAuto { get; set; }

    /// <summary>argument (in {prompt}), stdin, or file (written to {promptFile}).</summary>
    [JsonPropertyName("prompt")]
    public string Prompt { get; set; } = "argument";

    /// <summary>"empty" closes standard input at once (CLIs that read a non-terminal stdin).</summary>
    [JsonPropertyName("stdin")]
    public string? Stdin { get; set; }

    [JsonPropertyName("result")]
    public RunnerResultSpec Result { get; set; } = new();

    [JsonPropertyName("environment")]
    public Dictionary<string, string>? Environment { get; set; }

    /// <summary>stdout is an event stream (one JSON object a line), read as it arrives: answer, session, usage, errors, progress.</summary>
    [JsonPropertyName("events")]
    public EventSpec? Events { get; set; }

    /// <summary>The arguments of a run that continues an earlier session ({session} is its id); null: no sessions.</summary>
    [JsonPropertyName("resumeArguments")]
    public List<string>? ResumeArguments { get; set; }

    /// <summary>A regular expression a model name must match (e.g. provider/model), with the hint shown when it does not.</summary>
    [JsonPropertyName("modelPattern")]
    public string? ModelPattern { get; set; }

    [JsonPropertyName("modelHint")]
    public string? ModelHint { get; set; }

    /// <summary>
    /// Folders put first on the child's PATH, relative to the executable's real location ({executableDir}; * globs one
    /// level): e.g. codex's own bubblewrap, which codex uses only when no other bwrap comes first on PATH.
    /// </summary>
    [JsonPropertyName("pathPrepend")]
    public List<string>? PathPrepend { get; set; }

    /// <summary>Regular expressions that, found in the CLI's error, mean the session to continue is unknown to it.</summary>
    [JsonPropertyName("sessionNotFound")]
    public List<string>? SessionNotFound { get; set; }

    /// <summary>What to tell the user when the CLI refused tool calls for want of permission.</summary>
    [JsonPropertyName("deniedHint")]
    public string? DeniedHint { get; set; }
}

public sealed class RunnerResultSpec
{
    /// <summary>stdout (the text), file ({outputFile}), json (a field of stdout's JSON), jsonl (a field of every line, joined).</summary>
    [JsonPropertyName("from")]
    public string From { get; set; } = "stdout";

    /// <summary>A dotted path into the JSON (json, jsonl).</summary>
    [JsonPropertyName("field")]
    public string? Field { get; set; }
}

/// <summary>One entry of capabilities.json.</summary>
public sealed class RunnerEntry
{
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = string.Empty;

    [JsonPropertyName("description")]
    public string Description { get; set; } = string.Empty;

    /// <summary>Implemented in code (pwsh, shell, lmstudio, tts) rather than by a command template.</summary>
    [JsonPropertyName("builtin")]
    public bool Builtin { get; set; }

    [JsonPropertyName("risk")]
    public string Risk { get; set; } = "medium"; // low | medium | high

    [JsonPropertyName("editsFiles")]
    public bool EditsFiles { get; set; }

    /// <summary>Sends data off this machine: refused while policy.mode is local-only.</summary>
    [JsonPropertyName("egress")]
    public bool Egress { get; set; }

    [JsonPropertyName("platforms")]
    public List<string> Platforms { get; set; } = ["linux", "macos", "windows"];

    [JsonPropertyName("inputs")]
    public List<string> Inputs { get; set; } = [];

    [JsonPropertyName("outputs")]
    public List<string> Outputs { get; set; } = [];

    [JsonPropertyName("dependencies")]
    public List<RunnerDependency> Dependencies { get; set; } = [];

    [JsonPropertyName("command")]
    public RunnerCommand? Command { get; set; }

    /// <summary>
    /// msgcode's secret variables (e.g. LMSTUDIO_API_KEY) this runner may inherit; every other one is taken out of its
    /// environment.
    /// </summary>
    [JsonPropertyName("secretVariables")]
    public List<string>? SecretVariables { get; set; }

    /// <summary>
    /// Paths the runner must write to even when sandboxed (its own state: ~/.claude, $CODEX_HOME); ~ and {env:NAME|fallback}
    /// expand, and a path that ends with / is a folder, made when missing.
    /// </summary>
    [JsonPropertyName("sandboxWritable")]
    public List<string>? SandboxWritable { get; set; }

    /// <summary>Run this runner sandboxed by default (as -Sandbox does).</summary>
    [JsonPropertyName("sandbox")]
    public bool Sandbox { get; set; }

    /// <summary>How the doctor tells whether the CLI is logged in (never by asking a server).</summary>
    [JsonPropertyName("account")]
    public RunnerAccount? Account { get; set; }

    /// <summary>Where the entry came from: the module's capabilities.json or the user's.</summary>
    [JsonIgnore]
    public string Source { get; set; } = string.Empty;

    public bool SupportsThisPlatform()
    {
        var platform = OperatingSystem.IsMacOS() ? "macos" : OperatingSystem.IsWindows() ? "windows" : "linux";
        return Platforms.Contains(platform, StringComparer.OrdinalIgnoreCase);
    }
}

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

            if (entry.Command.Prompt is not ("argument" or "stdin" or "file"))
            {
                return "'command.prompt' must be argument, stdin or file";
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
