using System.Management.Automation;
using Msgcode.Core.Runners;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>
/// A runner name given to a cmdlet (New-/Set-MsgcodeTask, New-/Set-MsgcodeJob, Set-MsgcodeRoute, runner.default),
/// checked against the runners this session knows (built-in and capabilities.json) by Core's one check.
/// </summary>
internal static class RunnerCheck
{
    /// <summary>The name normalized, or null when none was given; RunnerNotFound for an unknown name without -Force.</summary>
    public static string? Require(PSCmdlet cmdlet, string? kind, bool force)
        => kind is null ? null : RunnerNames.Require(HostCommand.Runners(cmdlet).Kinds, kind, force);
}
