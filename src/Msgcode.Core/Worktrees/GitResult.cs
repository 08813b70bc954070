using System.Text;

namespace Msgcode.Core.Worktrees;

/// <summary>The outcome of one git command: exit code, standard output as bytes (patches are binary-safe), standard error.</summary>
public sealed record GitResult(int ExitCode, byte[] StdOut, string StdErr)
{
    public bool Succeeded => ExitCode == 0;

    public string Text => Encoding.UTF8.GetString(StdOut);
}
