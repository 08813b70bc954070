using System.Text.Json.Serialization;

namespace Msgcode.Core.Runs;

/// <summary>What a run consumed, as its runner reported it: model, tokens, cost and turns (numbers and names, never text).</summary>
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
}
