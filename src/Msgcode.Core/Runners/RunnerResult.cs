using Msgcode.Core.Runs;

namespace Msgcode.Core.Runners;

/// <summary>One result: <c>{ status, errorCode, errorMessage, artifacts[], preview }</c>, plus the (capped) output.</summary>
public sealed record RunnerResult
{
    public required string Status { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    public IReadOnlyList<string> Artifacts { get; init; } = [];

    /// <summary>The output, cut at MaxOutputBytes (the artifact has all of it).</summary>
    public string Output { get; init; } = string.Empty;

    public bool OutputTruncated { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>Model, tokens, cost and turns as the runner reported them; null when it reported none.</summary>
    public RunUsage? Usage { get; init; }

    /// <summary>The agent session this run used (to continue it later), when the runner has sessions.</summary>
    public string? SessionId { get; init; }

    /// <summary>The session's totals so far when the runner reports sums over all the session's runs; the run's own usage is the difference.</summary>
    public RunUsage? SessionTotals { get; init; }
}
