using System.Text.Json.Serialization;

namespace Msgcode.Core.Runners;

/// <summary>One dependency of a runner: an executable (with a version probe), an HTTP endpoint, an environment variable, or a file.</summary>
public sealed class RunnerDependency
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = string.Empty; // executable | http | env | file

    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("versionArguments")]
    public List<string>? VersionArguments { get; set; }

    [JsonPropertyName("minVersion")]
    public string? MinVersion { get; set; }

    [JsonPropertyName("hint")]
    public string? Hint { get; set; }
}
