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
