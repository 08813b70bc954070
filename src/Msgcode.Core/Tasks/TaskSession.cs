namespace Msgcode.Core.Tasks;

/// <summary>
/// An agent session a task's run used: the runner it belongs to, its id (claude's session_id, codex's thread id,
/// opencode's session id, or for lmstudio the run whose conversation it continues), the run that recorded it, and
/// whether that run was in the task's worktree (a CLI keeps its sessions per folder).
/// </summary>
public sealed record TaskSession(string Runner, string Id, string? RunId, bool Worktree)
{
    /// <summary>The session's totals after its last run, for runners that report sums over a session's runs.</summary>
    public Runs.RunUsage? Totals { get; init; }
}
