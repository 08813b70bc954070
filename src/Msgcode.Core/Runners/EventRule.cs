using System.Text.Json;
using System.Text.Json.Serialization;

namespace Msgcode.Core.Runners;

/// <summary>
/// How a declarative runner's stdout event stream (one JSON object a line, as <c>claude -p --output-format
/// stream-json</c>, <c>codex exec --json</c> and <c>opencode run --format json</c> print) is read: each rule
/// matches events by field values and takes facts from them. Facts: <c>answer</c>, <c>session</c>,
/// <c>model</c>, <c>error</c>, <c>inputTokens</c>, <c>outputTokens</c>, <c>cachedInputTokens</c>,
/// <c>costUsd</c>, <c>turns</c>, their session totals <c>sessionInputTokens</c>, <c>sessionOutputTokens</c>, <c>sessionCachedInputTokens</c>, <c>sessionCostUsd</c> (for CLIs that report sums over every run of a session), <c>step</c> (what the agent does now, for progress), <c>message</c> (an
/// assistant message, shown as it comes) and <c>denied</c> (tool calls the CLI refused).
/// </summary>
public sealed class EventRule
{
    /// <summary>Dotted path → the value the event must have there (a string, number or boolean).</summary>
    [JsonPropertyName("match")]
    public Dictionary<string, JsonElement> Match { get; set; } = [];

    /// <summary>Fact → path: the fact takes the value (the last event wins).</summary>
    [JsonPropertyName("set")]
    public Dictionary<string, string>? Set { get; set; }

    /// <summary>Fact → path: numbers added up over the run (tokens of each turn).</summary>
    [JsonPropertyName("add")]
    public Dictionary<string, string>? Add { get; set; }

    /// <summary>Fact → path: text appended to what the fact holds since its last reset.</summary>
    [JsonPropertyName("append")]
    public Dictionary<string, string>? Append { get; set; }

    /// <summary>Facts that the next append starts afresh (a new step: the answer is the last step's text).</summary>
    [JsonPropertyName("reset")]
    public List<string>? Reset { get; set; }

    /// <summary>Counts this event into the fact (e.g. one turn per turn.completed).</summary>
    [JsonPropertyName("count")]
    public List<string>? Count { get; set; }

    /// <summary>
    /// Stops the run when this rule has matched this many events in a row (no other event between): a CLI stuck in a
    /// loop (OpenCode asks again forever when the model's reply is not the format it expects).
    /// </summary>
    [JsonPropertyName("abortAfter")]
    public int? AbortAfter { get; set; }

    /// <summary>The run's error message when <see cref="AbortAfter"/> stops it.</summary>
    [JsonPropertyName("abortMessage")]
    public string? AbortMessage { get; set; }
}
