using Msgcode.Core.Config;
using Msgcode.Core.Runners;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>The doctor's runners category: the runner registry, and whether each runner is available.</summary>
internal static class RunnerChecks
{
    internal static IEnumerable<DoctorCheck> Run(DoctorContext context, ConfigReport config, IReadOnlyList<RunnerInfo> probes)
    {
        foreach (var problem in context.Capabilities.Problems)
        {
            yield return Check("runners", "registry", CheckStatuses.Fail, $"{problem.ErrorId}: {problem.Message}", $"Fix '{problem.Target}' (see Get-Help Get-MsgcodeRunner for the format).");
        }

        var defaultKind = config.GetString("runner.default");
        foreach (var probe in probes.OrderBy(p => p.Kind, StringComparer.Ordinal))
        {
            var isDefault = string.Equals(probe.Kind, defaultKind, StringComparison.OrdinalIgnoreCase);
            var details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["implementation"] = probe.Implementation, ["risk"] = probe.Risk };
            if (probe.Version is not null)
            {
                details["version"] = probe.Version;
            }

            var named = probe.Version is null ? probe.Kind : $"{probe.Kind} {probe.Version}";
            if (probe.Account is not null)
            {
                details["account"] = probe.Account;
            }

            yield return probe.Available && probe.LoggedIn == false
                ? Check("runners", probe.Kind, CheckStatuses.Warn, $"{named} is installed but {probe.Account}", details: details)
                : probe.Available
                ? Check("runners", probe.Kind, CheckStatuses.Pass, $"{named} is available{(isDefault ? " (runner.default)" : string.Empty)}{(probe.LoggedIn == true ? $"; logged in ({probe.Account})" : string.Empty)}.", details: details)
                : Check("runners", probe.Kind, CheckStatuses.Warn,
                    $"{probe.Kind} is not available: {string.Join("; ", probe.Problems)}{(isDefault ? ". It is runner.default, so tasks without a runner will fail" : string.Empty)}.",
                    probe.FixHint ?? (isDefault ? "Set-MsgcodeConfig runner.default pwsh" : "Get-MsgcodeRunner " + probe.Kind), details);
        }
    }
}
