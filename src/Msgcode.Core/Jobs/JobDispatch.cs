namespace Msgcode.Core.Jobs;

/// <summary>What one firing queued: the task and the run the daemon's queue will carry out.</summary>
public sealed record JobDispatch(string Workspace, string TaskId, string RunId);
