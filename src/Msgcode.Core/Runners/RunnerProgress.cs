namespace Msgcode.Core.Runners;

/// <summary>A moment of a running run, for progress displays: what it does now and what it has said.</summary>
public sealed record RunnerProgress
{
    /// <summary>The current tool step (e.g. "Write", "exec_command"), when the event named one.</summary>
    public string? Step { get; init; }

    /// <summary>An assistant message that has just come in.</summary>
    public string? Message { get; init; }

    public int Turns { get; init; }

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    /// <summary>When the runner's event arrived (for the event-to-progress delay).</summary>
    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;
}
