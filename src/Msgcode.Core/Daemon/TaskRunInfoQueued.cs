using StreamJsonRpc;

namespace Msgcode.Core.Daemon;

/// <summary>A queued run, as the daemon reported it.</summary>
public sealed record TaskRunInfoQueued(Runs.TaskRunInfo Run);
