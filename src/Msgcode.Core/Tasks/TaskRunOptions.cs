using Msgcode.Core.Config;
using Msgcode.Core.Runners;

namespace Msgcode.Core.Tasks;

/// <summary>How one run of a task runs: limits, policy, secrets to redact, isolation, and what the caller wants told.</summary>
public sealed record TaskRunOptions
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(1);

    public bool Force { get; init; }

    public long MaxOutputBytes { get; init; } = 1024 * 1024;

    /// <summary>Values that must never reach the ledger or a log (the secret settings' values).</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    public long RetentionDays { get; init; } = 30;

    public long RetentionCount { get; init; } = 10000;

    /// <summary>A run id chosen in advance (queued runs); a new one otherwise.</summary>
    public string? RunId { get; init; }

    /// <summary>policy.mode as seen from the workspace: local-only refuses runners that send data off the machine.</summary>
    public string PolicyMode { get; init; } = "egress-allowed";

    /// <summary>Cancellation means the host is going down (the daemon's drain): record the run as interrupted, not canceled.</summary>
    public bool CancelMeansInterrupted { get; init; }

    /// <summary>A user's stop of this one run (a chat's /stop): recorded as canceled even when <see cref="CancelMeansInterrupted"/>.</summary>
    public CancellationToken StopToken { get; init; }

    /// <summary>Where the run happens when not in the workspace itself (a git worktree): null runs in the workspace.</summary>
    public IRunIsolation? Isolation { get; init; }

    /// <summary>Run sandboxed: only the working folder, the run's artifacts and the runner's own state folders are writable.</summary>
    public bool Sandbox { get; init; }

    /// <summary>Continue the task's last agent session (the runner resumes it) instead of starting a fresh one.</summary>
    public bool Continue { get; init; }

    /// <summary>The prompt of this run when it is not the task's own (a follow-up with -Continue).</summary>
    public string? Prompt { get; init; }

    /// <summary>Called (on a capture thread) as the runner's events arrive.</summary>
    public Action<RunnerProgress>? Progress { get; init; }

    /// <summary>
    /// The options configuration gives a run in <paramref name="config"/>'s workspace: policy.mode, the secrets of
    /// every layer (to redact), and the ledger's retention. The one place run options are read from configuration.
    /// </summary>
    public static TaskRunOptions FromConfig(ConfigReport config) => new()
    {
        PolicyMode = config.GetString("policy.mode") ?? "egress-allowed",
        Secrets = config.SecretValues(), // every layer's value, not only the effective one
        RetentionDays = config.GetInt64("runs.retentionDays"),
        RetentionCount = config.GetInt64("runs.retentionCount"),
    };

    /// <summary>What a call of a runner without a task (<see cref="RunnerInvocation"/>) takes of these options.</summary>
    public RunnerCallOptions ForRunnerCall() => new() { Timeout = Timeout, MaxOutputBytes = MaxOutputBytes, Secrets = Secrets, PolicyMode = PolicyMode };
}
