namespace Msgcode.Core.Daemon;

/// <summary>What became of a queued run (raised by <see cref="WorkQueue.RunEnded"/>).</summary>
public sealed class RunEndedEventArgs : EventArgs
{
    public required string Workspace { get; init; }

    public required string TaskId { get; init; }

    public required string RunId { get; init; }

    /// <summary>succeeded, failed, timedOut, canceled, interrupted.</summary>
    public required string Status { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>Artifact paths, relative to the workspace.</summary>
    public IReadOnlyList<string> Artifacts { get; init; } = [];
}
