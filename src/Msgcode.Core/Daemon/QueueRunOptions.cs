namespace Msgcode.Core.Daemon;

/// <summary>How a queued run runs: in the workspace (the default) or in the task's git worktree; Force runs a done or canceled task again.</summary>
public sealed record QueueRunOptions(bool Worktree = false, bool Fresh = false, bool Force = false, bool Sandbox = false);
