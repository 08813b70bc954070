namespace Msgcode.Core.Channels;

/// <summary>
/// One thing msgcode decides for a chat or workspace (its route, runner, model, policy, a whitelist key, memory
/// injection, a job that delivers there), the value in force, and where that comes from: the configuration layer
/// (Default, State, Workspace, EnvFile, Environment), the chat's route (Route) or jobs.json (Jobs), with the file.
/// </summary>
public sealed class StateFact
{
    public required string Aspect { get; init; }

    public required string Value { get; init; }

    /// <summary>Default, State, Workspace, EnvFile, Environment, Route or Jobs.</summary>
    public required string Source { get; init; }

    /// <summary>The file (with :line for .env), <c>env:NAME</c> for the process environment, or null for a default.</summary>
    public string? Path { get; init; }

    public override string ToString() => Path is null ? $"{Value} ({Source})" : $"{Value} ({Source}: {Path})";
}
