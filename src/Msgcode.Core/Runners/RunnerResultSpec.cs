using System.Text.Json.Serialization;

namespace Msgcode.Core.Runners;

/// <summary>Where a declarative runner's answer is read from (a <see cref="RunnerCommand"/>'s <c>result</c>).</summary>
public sealed class RunnerResultSpec
{
    /// <summary>stdout (the text), file ({outputFile}), json (a field of stdout's JSON), jsonl (a field of every line, joined).</summary>
    [JsonPropertyName("from")]
    public string From { get; set; } = "stdout";

    /// <summary>A dotted path into the JSON (json, jsonl).</summary>
    [JsonPropertyName("field")]
    public string? Field { get; set; }
}
