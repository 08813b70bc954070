namespace Msgcode.Core.Service;

public sealed record CommandResult(int ExitCode, string StdOut, string StdErr)
{
    public const int NotFound = 127;

    public bool Succeeded => ExitCode == 0;

    public string Describe() => $"exit code {ExitCode}{(StdErr.Trim().Length > 0 ? ": " + StdErr.Trim() : string.Empty)}";
}
