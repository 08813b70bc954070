namespace Msgcode.Core.Runners;

/// <summary>One request to a runner: <c>{ kind, workspacePath, payload, constraints, context }</c>.</summary>
public sealed record RunnerRequest
{
    public required string Kind { get; init; }

    public required string WorkspacePath { get; init; }

    /// <summary>The prompt or script.</summary>
    public required string Payload { get; init; }

    public string? Model { get; init; }

    /// <summary>
    /// The task's input files (absolute paths; a voice note, a photo, a document), which each runner hands on in its own
    /// way: declarative entries through {files}/{file} or stdin-json, lmstudio as image parts, shell and pwsh in
    /// MSGCODE_INPUT_FILES, asr/ocr/vision as the thing to read.
    /// </summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    public RunnerConstraints Constraints { get; init; } = new();

    /// <summary>Where the runner writes artifacts (the run's own folder under tasks/artifacts).</summary>
    public required string ArtifactDirectory { get; init; }

    public IReadOnlyDictionary<string, string> Context { get; init; } = new Dictionary<string, string>();

    /// <summary>The agent session to continue (a session id a runner reported earlier), or null for a fresh one.</summary>
    public string? ResumeSession { get; init; }

    /// <summary>Called (on a capture thread) as the runner's events arrive: current step, messages, tokens.</summary>
    public Action<RunnerProgress>? Progress { get; init; }

    /// <summary>Values that must never reach an artifact, a ledger or a log (every known secret's value).</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];
}
