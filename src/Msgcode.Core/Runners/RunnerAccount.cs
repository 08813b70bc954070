using System.Text.Json.Serialization;

namespace Msgcode.Core.Runners;

/// <summary>
/// How to tell, on this machine alone, whether a CLI is logged in or configured: any of these variables set, any of
/// these files present, or the command exiting 0 (e.g. <c>codex login status</c>, which reads only local files).
/// Paths may start with ~ and use {env:NAME|fallback}.
/// </summary>
public sealed class RunnerAccount
{
    [JsonPropertyName("environment")]
    public List<string>? Environment { get; set; }

    [JsonPropertyName("files")]
    public List<string>? Files { get; set; }

    [JsonPropertyName("arguments")]
    public List<string>? Arguments { get; set; }

    [JsonPropertyName("hint")]
    public string? Hint { get; set; }
}
