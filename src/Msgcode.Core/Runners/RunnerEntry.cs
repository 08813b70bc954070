using System.Text.Json.Serialization;

namespace Msgcode.Core.Runners;

/// <summary>One entry of capabilities.json.</summary>
public sealed class RunnerEntry
{
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = string.Empty;

    [JsonPropertyName("description")]
    public string Description { get; set; } = string.Empty;

    /// <summary>Implemented in code (pwsh, shell, lmstudio, tts) rather than by a command template.</summary>
    [JsonPropertyName("builtin")]
    public bool Builtin { get; set; }

    [JsonPropertyName("risk")]
    public string Risk { get; set; } = "medium"; // low | medium | high

    [JsonPropertyName("editsFiles")]
    public bool EditsFiles { get; set; }

    /// <summary>Sends data off this machine: refused while policy.mode is local-only.</summary>
    [JsonPropertyName("egress")]
    public bool Egress { get; set; }

    [JsonPropertyName("platforms")]
    public List<string> Platforms { get; set; } = ["linux", "macos", "windows"];

    [JsonPropertyName("inputs")]
    public List<string> Inputs { get; set; } = [];

    [JsonPropertyName("outputs")]
    public List<string> Outputs { get; set; } = [];

    [JsonPropertyName("dependencies")]
    public List<RunnerDependency> Dependencies { get; set; } = [];

    [JsonPropertyName("command")]
    public RunnerCommand? Command { get; set; }

    /// <summary>
    /// msgcode's secret variables (e.g. LMSTUDIO_API_KEY) this runner may inherit; every other one is taken out of its
    /// environment.
    /// </summary>
    [JsonPropertyName("secretVariables")]
    public List<string>? SecretVariables { get; set; }

    /// <summary>
    /// Paths the runner must write to even when sandboxed (its own state: ~/.claude, $CODEX_HOME); ~ and {env:NAME|fallback}
    /// expand, and a path that ends with / is a folder, made when missing.
    /// </summary>
    [JsonPropertyName("sandboxWritable")]
    public List<string>? SandboxWritable { get; set; }

    /// <summary>Run this runner sandboxed by default (as -Sandbox does).</summary>
    [JsonPropertyName("sandbox")]
    public bool Sandbox { get; set; }

    /// <summary>How the doctor tells whether the CLI is logged in (never by asking a server).</summary>
    [JsonPropertyName("account")]
    public RunnerAccount? Account { get; set; }

    /// <summary>Where the entry came from: the module's capabilities.json or the user's.</summary>
    [JsonIgnore]
    public string Source { get; set; } = string.Empty;

    public bool SupportsThisPlatform()
    {
        var platform = OperatingSystem.IsMacOS() ? "macos" : OperatingSystem.IsWindows() ? "windows" : "linux";
        return Platforms.Contains(platform, StringComparer.OrdinalIgnoreCase);
    }
}
