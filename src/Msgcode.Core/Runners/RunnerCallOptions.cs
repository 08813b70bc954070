namespace Msgcode.Core.Runners;

/// <summary>How a call of one runner without a task runs (<see cref="RunnerInvocation"/>).</summary>
public sealed record RunnerCallOptions
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    public long MaxOutputBytes { get; init; } = 1024 * 1024;

    /// <summary>Values that must never reach the output's error text (the secret settings' values).</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    /// <summary>policy.mode as seen from the workspace: local-only refuses runners that send data off the machine.</summary>
    public string PolicyMode { get; init; } = "egress-allowed";
}
