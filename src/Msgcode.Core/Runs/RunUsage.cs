using System.Text.Json.Serialization;

namespace Msgcode.Core.Runs;

/// <summary>What a run consumed, as its runner reported it: model, tokens, cost and turns (numbers and names, never text); also a session's running totals.</summary>
public sealed record RunUsage
{
    [JsonPropertyName("model")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; init; }

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

    [JsonPropertyName("turns")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Turns { get; init; }

    [JsonIgnore]
    public bool IsEmpty => Model is null && InputTokens is null && OutputTokens is null && CachedInputTokens is null && CostUsd is null && Turns is null;

    /// <summary>
    /// This record as an agent session's running totals (what CLIs such as claude and codex report over every run of a
    /// session): the run's own usage is <paramref name="usage"/> with each total replaced by what it adds to <paramref name="before"/>.
    /// </summary>
    public RunUsage ShareOf(RunUsage? usage, RunUsage? before) => (usage ?? new RunUsage()) with
    {
        InputTokens = Less(InputTokens, before?.InputTokens) ?? usage?.InputTokens,
        OutputTokens = Less(OutputTokens, before?.OutputTokens) ?? usage?.OutputTokens,
        CachedInputTokens = Less(CachedInputTokens, before?.CachedInputTokens) ?? usage?.CachedInputTokens,
        CostUsd = CostUsd is decimal cost ? Math.Max(0, cost - (before?.CostUsd ?? 0)) : usage?.CostUsd,
    };

    private static long? Less(long? total, long? before) => total is long t ? Math.Max(0, t - (before ?? 0)) : null;
}
