using System.Text.Json.Serialization;

namespace Msgcode.Core.Worktrees;

/// <summary>
/// What the workspace's verify command (<c>worktree.verify</c>, e.g. <c>dotnet test</c>) said of a patch: run in the
/// worktree after the runner, recorded in <c>verify.json</c> beside the patch, its output in <c>verify.log</c>.
/// </summary>
public sealed record PatchVerification
{
    /// <summary>The command passed (exit code 0).</summary>
    public const string Verified = "Verified";

    /// <summary>The command failed, timed out or could not start.</summary>
    public const string VerifyFailed = "VerifyFailed";

    /// <summary>No verify command was set when the patch was made (or it was not run).</summary>
    public const string NotVerified = "NotVerified";

    public const string FileName = "verify.json";

    public const string LogName = "verify.log";

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("command")]
    public required string Command { get; init; }

    [JsonPropertyName("exitCode")]
    public int? ExitCode { get; init; }

    [JsonPropertyName("timedOut")]
    public bool TimedOut { get; init; }

    [JsonPropertyName("durationMs")]
    public long DurationMs { get; init; }

    /// <summary>The command's whole output (absolute path).</summary>
    [JsonPropertyName("log")]
    public string? Log { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    /// <summary>How long the command ran, in seconds (not stored: verify.json keeps <see cref="DurationMs"/>).</summary>
    [JsonIgnore]
    public double DurationSeconds => DurationMs / 1000.0;

    public override string ToString() => Status;
}
