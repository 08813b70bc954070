namespace Msgcode.Core.Service;

/// <summary>Runs the service managers' commands (systemctl, loginctl, launchctl): real processes, found on PATH.</summary>
public interface ICommandRunner
{
    CommandResult Run(string program, params string[] arguments);
}
