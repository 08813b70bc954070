namespace Msgcode.Core.Runners;

/// <summary>What Get-MsgcodeRunner shows: a registry entry with a live probe of its dependencies.</summary>
public sealed class RunnerInfo
{
    public required string Kind { get; init; }

    public required string Description { get; init; }

    /// <summary>builtin (code) or declarative (a command template).</summary>
    public required string Implementation { get; init; }

    public required string Risk { get; init; }

    public bool EditsFiles { get; init; }

    public bool Egress { get; init; }

    public string[] Platforms { get; init; } = [];

    public required bool Available { get; init; }

    /// <summary>The version the probe found (of the first executable dependency), when there is one.</summary>
    public string? Version { get; init; }

    public string[] Problems { get; init; } = [];

    public string? FixHint { get; init; }

    /// <summary>Whether the CLI is logged in or configured, as far as this machine can tell (null: it cannot tell).</summary>
    public bool? LoggedIn { get; init; }

    /// <summary>How <see cref="LoggedIn"/> was told (e.g. "ANTHROPIC_API_KEY is set"), or what to do when it is not.</summary>
    public string? Account { get; init; }

    public required string Source { get; init; }

    public override string ToString() => $"{Kind} ({(Available ? "available" : "unavailable")})";
}
