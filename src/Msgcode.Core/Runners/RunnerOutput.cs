namespace Msgcode.Core.Runners;

/// <summary>The outcome of a one-shot runner call (Invoke-MsgcodeRunner).</summary>
public sealed class RunnerOutput
{
    public required string RunId { get; init; }

    public required string Kind { get; init; }

    public required string Status { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>The answer (cut at the output cap; the artifacts have all of it).</summary>
    public string Output { get; init; } = string.Empty;

    public bool OutputTruncated { get; init; }

    public string[] Artifacts { get; init; } = [];

    /// <summary>How long the call took, in seconds: a number, so ConvertTo-Json writes a number and not a TimeSpan's fields.</summary>
    public double DurationSeconds { get; init; }

    public override string ToString() => Output;
}
