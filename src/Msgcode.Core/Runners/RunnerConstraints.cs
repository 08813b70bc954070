namespace Msgcode.Core.Runners;

/// <summary>Limits a runner must respect.</summary>
public sealed record RunnerConstraints
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Bytes of output kept in the result; the whole output goes to an artifact file.</summary>
    public long MaxOutputBytes { get; init; } = 1024 * 1024;

    /// <summary>Hard ceiling for the output artifact, so a runner printing gigabytes cannot fill the disk.</summary>
    public long MaxArtifactBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>When set, the child sees only these environment variables (plus PATH and HOME).</summary>
    public IReadOnlyList<string>? EnvironmentAllowList { get; init; }

    public string? WorkingDirectory { get; init; }

    /// <summary>Run sandboxed (<see cref="Sandbox"/>): only these folders (and the working folder) can be written; null: not sandboxed.</summary>
    public IReadOnlyList<string>? SandboxWritable { get; init; }

    /// <summary>With a sandbox: folders made read-only again inside writable ones (the main tree of a worktree run).</summary>
    public IReadOnlyList<string> SandboxReadOnly { get; init; } = [];

    /// <summary>Variables the child must not inherit (msgcode's own secrets, such as LMSTUDIO_API_KEY).</summary>
    public IReadOnlyList<string> HiddenVariables { get; init; } = [];
}
