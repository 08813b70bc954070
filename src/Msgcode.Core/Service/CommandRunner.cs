using System.Diagnostics;

namespace Msgcode.Core.Service;

public sealed record CommandResult(int ExitCode, string StdOut, string StdErr)
{
    public const int NotFound = 127;

    public bool Succeeded => ExitCode == 0;

    public string Describe() => $"exit code {ExitCode}{(StdErr.Trim().Length > 0 ? ": " + StdErr.Trim() : string.Empty)}";
}

/// <summary>Runs the service managers' commands (systemctl, loginctl, launchctl): real processes, found on PATH.</summary>
public interface ICommandRunner
{
    CommandResult Run(string program, params string[] arguments);
}

public sealed class ProcessCommandRunner : ICommandRunner
{
    public static readonly ProcessCommandRunner Instance = new();

    public CommandResult Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(info)!;
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(60_000))
            {
                process.Kill(entireProcessTree: true);
                return new CommandResult(124, stdout.Result, $"'{program}' did not finish within 60 s");
            }

            return new CommandResult(process.ExitCode, stdout.Result, stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return new CommandResult(CommandResult.NotFound, string.Empty, $"'{program}' was not found ({ex.Message})");
        }
    }
}
