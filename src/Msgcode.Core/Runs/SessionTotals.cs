using System.Text.Json.Serialization;

namespace Msgcode.Core.Runs;

/// <summary>
/// What an agent session has used over all its runs, as CLIs that report running totals give it (claude's
/// total_cost_usd, codex's thread usage). A run's own usage is its totals less the totals after the run before it.
/// </summary>
public sealed record SessionTotals
{
    [JsonPropertyName("inputTokens")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? InputTokens { get; init; }

    [JsonPropertyName("outputTokens")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? OutputTokens { get; init; }

    [JsonPropertyName("cachedInputTokens")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? CachedInputTokens { get; init; }

    [JsonPropertyName("costUsd")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? CostUsd { get; init; }

    [JsonIgnore]
    public bool IsEmpty => InputTokens is null && OutputTokens is null && CachedInputTokens is null && CostUsd is null;

    /// <summary>This run's usage: <paramref name="usage"/> with every total this record has replaced by what it adds to <paramref name="before"/>.</summary>
    public RunUsage ShareOf(RunUsage? usage, SessionTotals? before) => (usage ?? new RunUsage()) with
    {
        InputTokens = Less(InputTokens, before?.InputTokens) ?? usage?.InputTokens,
        OutputTokens = Less(OutputTokens, before?.OutputTokens) ?? usage?.OutputTokens,
        CachedInputTokens = Less(CachedInputTokens, before?.CachedInputTokens) ?? usage?.CachedInputTokens,
        CostUsd = CostUsd is decimal cost ? Math.Max(0, cost - (before?.CostUsd ?? 0)) : usage?.CostUsd,
    };

    private static long? Less(long? total, long? before) => total is long t ? Math.Max(0, t - (before ?? 0)) : null;
}
