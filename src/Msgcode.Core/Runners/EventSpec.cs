using System.Text.Json.Serialization;

namespace Msgcode.Core.Runners;

/// <summary>A runner's event stream (a capability entry's <c>events</c>): its format and the <see cref="EventRule"/>s that read it.</summary>
public sealed class EventSpec
{
    /// <summary>jsonl: one JSON object a line on stdout; other lines are kept in the artifact and otherwise ignored.</summary>
    [JsonPropertyName("format")]
    public string Format { get; set; } = "jsonl";

    [JsonPropertyName("rules")]
    public List<EventRule> Rules { get; set; } = [];

    /// <summary>Event types that neither extend nor break an abortAfter streak (e.g. step_start between two empty steps).</summary>
    [JsonPropertyName("quietTypes")]
    public List<string>? QuietTypes { get; set; }
}
