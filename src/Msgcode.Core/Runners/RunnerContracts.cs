using Msgcode.Core.Runs;

namespace Msgcode.Core.Runners;

/// <summary>Limits a runner must respect.</summary>
public sealed record RunnerConstraints
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Bytes of output kept in the result; the whole output goes to an artifact file.</summary>
    public long MaxOutputBytes { get; init; } = 1024 * 1024;

    /// <summary>Hard ceiling for the output artifact, so a runner printing gigabytes cannot fill the disk.</summary>
    public long MaxArtifactBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>When set, the child sees only these environment variables (plus PATH and HOME).</summary>
    public IReadOnlyList<string>? EnvironmentAllowList { get; init; }

    public string? WorkingDirectory { get; init; }

    /// <summary>Run sandboxed (<see cref="Sandbox"/>): only these folders (and the working folder) can be written; null: not sandboxed.</summary>
    public IReadOnlyList<string>? SandboxWritable { get; init; }

    /// <summary>With a sandbox: folders made read-only again inside writable ones (the main tree of a worktree run).</summary>
    public IReadOnlyList<string> SandboxReadOnly { get; init; } = [];

    /// <summary>Variables the child must not inherit (msgcode's own secrets, such as LMSTUDIO_API_KEY).</summary>
    public IReadOnlyList<string> HiddenVariables { get; init; } = [];
}

/// <summary>One request to a runner: <c>{ kind, workspacePath, payload, constraints, context }</c>.</summary>
public sealed record RunnerRequest
{
    public required string Kind { get; init; }

    public required string WorkspacePath { get; init; }

    /// <summary>The prompt or script.</summary>
    public required string Payload { get; init; }

    public string? Model { get; init; }

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

public static class RunStatuses
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Canceled = "canceled";
    public const string TimedOut = "timedOut";
}

/// <summary>One result: <c>{ status, errorCode, errorMessage, artifacts[], preview }</c>, plus the (capped) output.</summary>
public sealed record RunnerResult
{
    public required string Status { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    public IReadOnlyList<string> Artifacts { get; init; } = [];

    /// <summary>The output, cut at MaxOutputBytes (the artifact has all of it).</summary>
    public string Output { get; init; } = string.Empty;

    public bool OutputTruncated { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>Model, tokens, cost and turns as the runner reported them; null when it reported none.</summary>
    public RunUsage? Usage { get; init; }

    /// <summary>The agent session this run used (to continue it later), when the runner has sessions.</summary>
    public string? SessionId { get; init; }

    /// <summary>The session's totals so far when the runner reports sums over all the session's runs; the run's own usage is the difference.</summary>
    public RunUsage? SessionTotals { get; init; }
}

/// <summary>A runner: one kind of worker that turns a payload into a result.</summary>
public interface IRunner
{
    string Kind { get; }

    /// <summary>Whether the runner can continue an earlier session (<see cref="RunnerRequest.ResumeSession"/>).</summary>
    bool SupportsSessions => false;

    Task<RunnerResult> RunAsync(RunnerRequest request, CancellationToken cancellationToken);
}

/// <summary>The runners this process knows, by kind, with their registry entries.</summary>
public sealed class RunnerRegistry
{
    private readonly Dictionary<string, IRunner> _runners = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, RunnerEntry> _entries = new(StringComparer.OrdinalIgnoreCase);

    public void Register(IRunner runner, RunnerEntry? entry = null)
    {
        _runners[runner.Kind] = runner;
        if (entry is not null)
        {
            _entries[runner.Kind] = entry;
        }
    }

    public IRunner? Find(string kind) => _runners.GetValueOrDefault(kind);

    public RunnerEntry? EntryOf(string kind) => _entries.GetValueOrDefault(kind);

    public IReadOnlyCollection<string> Kinds => _runners.Keys;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CapabilityRegistry, System.Collections.Concurrent.ConcurrentDictionary<string, RunnerRegistry>> Built = new();

    /// <summary>
    /// <see cref="From"/>, built once per capability registry (see <see cref="CapabilityRegistry.LoadCached"/>) and
    /// <paramref name="hostKey"/> (whatever the built-in runners depend on: the pwsh to start, the home). Runners
    /// hold no per-run state, so one registry serves every run.
    /// </summary>
    public static RunnerRegistry FromCached(CapabilityRegistry capabilities, string hostKey, Func<IReadOnlyDictionary<string, IRunner>> builtins)
        => Built.GetValue(capabilities, _ => new(StringComparer.Ordinal)).GetOrAdd(hostKey, _ => From(capabilities, builtins()));

    /// <summary>
    /// The registry for this process: every entry of the capability registry that has an implementation —
    /// a code runner from <paramref name="builtins"/> or a command template.
    /// </summary>
    public static RunnerRegistry From(CapabilityRegistry capabilities, IReadOnlyDictionary<string, IRunner> builtins)
    {
        var registry = new RunnerRegistry();
        foreach (var entry in capabilities.Entries)
        {
            if (entry.Builtin)
            {
                if (builtins.TryGetValue(entry.Kind, out var runner))
                {
                    registry.Register(runner, entry);
                }
            }
            else
            {
                registry.Register(new DeclarativeRunner(entry), entry);
            }
        }

        return registry;
    }
}
