using Msgcode.Core.Errors;

namespace Msgcode.Core.Daemon;

/// <summary>The daemon's answer to one queue request: the queued run, or why it was not queued.</summary>
public sealed record QueueReply(string TaskId, Runs.TaskRunInfo? Run, MsgcodeException? Error);
