using Msgcode.Core.Runners;

namespace Msgcode.Core.Tasks;

/// <summary>One isolated run: the folder the runner works in, and how its changes are captured afterwards.</summary>
public interface IIsolatedRun
{
    string WorkingDirectory { get; }

    /// <summary>Folders besides <see cref="WorkingDirectory"/> a sandboxed runner must write (a worktree's own git metadata).</summary>
    IReadOnlyList<string> AlsoWritable => [];

    /// <summary>
    /// Captures the runner's changes (after success or failure) into artifacts in <paramref name="artifactDirectory"/>.
    /// <paramref name="runnerSummary"/> is the run's preview, already redacted of secret settings' values.
    /// <paramref name="sandboxWritable"/> is what the runner's sandbox let it write (null: the run was not sandboxed):
    /// whatever the capture runs of the workspace's own (its verify command) is held to the same.
    /// </summary>
    IsolationOutcome Capture(TaskStore store, TaskDocument task, string runId, string runnerKind, RunnerResult result, string runnerSummary, string artifactDirectory, IReadOnlyList<string>? sandboxWritable = null);
}
