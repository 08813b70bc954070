using System.Text.Json.Serialization;

namespace Msgcode.Core.Runners;

/// <summary>How a declarative runner is run: a command template, how the prompt is passed, how the answer is read.</summary>
public sealed class RunnerCommand
{
    [JsonPropertyName("executable")]
    public string Executable { get; set; } = string.Empty;

    /// <summary>
    /// Arguments with placeholders {prompt}, {promptFile}, {workspace}, {model}, {outputFile}, {file} (the first input
    /// file); an argument that is exactly {files} becomes one argument per input file (none when there are none).
    /// </summary>
    [JsonPropertyName("arguments")]
    public List<string> Arguments { get; set; } = [];

    /// <summary>A run of arguments dropped when the model is "auto" (e.g. ["--model", "{model}"]).</summary>
    [JsonPropertyName("omitIfAuto")]
    public List<string>? OmitIfAuto { get; set; }

    /// <summary>
    /// argument (in {prompt}), stdin, file (written to {promptFile}), or stdin-json: <c>{"prompt": "...", "files": ["..."]}</c>
    /// on stdin, for programs that take the input files with the prompt.
    /// </summary>
    [JsonPropertyName("prompt")]
    public string Prompt { get; set; } = "argument";

    /// <summary>The input files' full paths go after the prompt ("Attached files:"): for agents that read files with their own tools.</summary>
    [JsonPropertyName("filesInPrompt")]
    public bool FilesInPrompt { get; set; }

    /// <summary>Arguments added once per folder that holds an input file ({fileFolder}), e.g. ["--add-dir", "{fileFolder}"] for a CLI that reads only where it may.</summary>
    [JsonPropertyName("fileFolderArguments")]
    public List<string>? FileFolderArguments { get; set; }

    /// <summary>The runner needs at least one input file (an image to read): without one it fails with RunnerInputMissing before it starts.</summary>
    [JsonPropertyName("requiresFile")]
    public bool RequiresFile { get; set; }

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
