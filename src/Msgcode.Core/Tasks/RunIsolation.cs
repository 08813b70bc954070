using Msgcode.Core.Runners;

namespace Msgcode.Core.Tasks;

/// <summary>
/// Where a run happens when it must not touch the workspace itself (a git worktree, for one). The task
/// code calls it at three points and knows nothing else of it, so Tasks does not depend on Worktrees.
/// </summary>
public interface IRunIsolation
{
    /// <summary>Checks, before anything changes, that the run can be isolated; throws a MsgcodeException when not.</summary>
    void Validate(TaskStore store, TaskDocument task);

    /// <summary>Creates (or reuses) the isolated folder once the run is recorded as started.</summary>
    IIsolatedRun Prepare(TaskStore store, TaskDocument task, string runId, CancellationToken cancellationToken);
}

/// <summary>One isolated run: the folder the runner works in, and how its changes are captured afterwards.</summary>
public interface IIsolatedRun
{
    string WorkingDirectory { get; }

    /// <summary>Folders besides <see cref="WorkingDirectory"/> a sandboxed runner must write (a worktree's own git metadata).</summary>
    IReadOnlyList<string> AlsoWritable => [];

    /// <summary>
    /// Captures the runner's changes (after success or failure) into artifacts in <paramref name="artifactDirectory"/>.
    /// <paramref name="runnerSummary"/> is the run's preview, already redacted of secret settings' values.
    /// </summary>
    IsolationOutcome Capture(TaskStore store, TaskDocument task, string runId, string runnerKind, RunnerResult result, string runnerSummary, string artifactDirectory);
}

/// <summary>What an isolated run hands back: artifact paths, patches to record in the task, and the fields the ledger gets.</summary>
public sealed record IsolationOutcome
{
    /// <summary>Absolute paths of the files written (patch, summary).</summary>
    public IReadOnlyList<string> Artifacts { get; init; } = [];

    /// <summary>Absolute paths recorded under the task's outputs.patches.</summary>
    public IReadOnlyList<string> Patches { get; init; } = [];

    public string? PatchPath { get; init; }

    public string? BaseCommit { get; init; }

    /// <summary>Set when the changes could not be captured: the run fails with it.</summary>
    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>Applied to the task in the same update that records the outcome.</summary>
    public Action<TaskDocument>? UpdateTask { get; init; }
}
