using Msgcode.Core.Errors;

namespace Msgcode.Core.Runners;

/// <summary>policy.mode applied to a runner: local-only refuses every runner that sends data off the machine.</summary>
public static class RunnerPolicy
{
    /// <summary>Throws <see cref="ErrorIds.RunnerBlockedByPolicy"/> when a runner that sends data off the machine meets policy.mode local-only.</summary>
    public static void Require(RunnerEntry? entry, string policyMode, object target, IRunner? runner = null, string? workspace = null)
    {
        var egress = entry is { Egress: true } || (runner is IPolicyAware aware && workspace is not null && aware.SendsDataOffMachine(workspace));
        if (egress && string.Equals(policyMode, "local-only", StringComparison.OrdinalIgnoreCase))
        {
            throw new MsgcodeException(ErrorIds.RunnerBlockedByPolicy, MsgcodeErrorCategory.SecurityError, target,
                $"The {entry?.Kind ?? runner?.Kind} runner sends data off this machine, and policy.mode is local-only. Use a local runner (pwsh, shell, lmstudio on this machine), " +
                "or allow it with: Set-MsgcodeConfig -Name policy.mode -Value egress-allowed (add -Workspace <path> for one workspace).");
        }
    }
}
