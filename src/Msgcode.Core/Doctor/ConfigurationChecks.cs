using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>The doctor's configuration category: every layer parses and is valid, and what workspaces may not set.</summary>
internal static class ConfigurationChecks
{
    internal static IEnumerable<DoctorCheck> Run(DoctorContext context, ConfigReport config) => Layers(config).Concat(WorkspaceTrust(context));

    private static IEnumerable<DoctorCheck> Layers(ConfigReport config)
    {
        if (config.Problems.Count == 0)
        {
            yield return Check("configuration", "layers", CheckStatuses.Pass, "Every configuration layer parses and every value is valid.");
            yield break;
        }

        foreach (var problem in config.Problems)
        {
            var severe = problem.ErrorId is ErrorIds.ConfigFileInvalidJson or ErrorIds.ConfigValueInvalid or ErrorIds.ConfigFileUnreadable;
            var where = problem.Path is null ? problem.Layer : problem.Line is int l ? $"{problem.Path}:{l}" : problem.Path;
            yield return Check("configuration", problem.Key ?? problem.Layer.ToLowerInvariant(), severe ? CheckStatuses.Fail : CheckStatuses.Warn,
                $"{problem.ErrorId}: {problem.Message}",
                problem.Key is { } key && ConfigSchema.Find(key) is not null
                    ? $"Get-MsgcodeEffectiveConfig -Name {key} -Explain shows every layer; fix the value at {where}."
                    : $"Fix or remove it at {where}.",
                new() { ["layer"] = problem.Layer, ["where"] = where, ["errorId"] = problem.ErrorId });
        }
    }

    /// <summary>Workspaces whose config.json points an endpoint elsewhere without the user's trust: their runs get none of the user's secrets.</summary>
    private static IEnumerable<DoctorCheck> WorkspaceTrust(DoctorContext context)
    {
        foreach (var workspace in context.Workspaces.Where(Directory.Exists))
        {
            var config = ConfigResolver.Resolve(new ConfigSources(context.Home, workspace, context.Environment));
            foreach (var entry in config.UntrustedEndpoints(workspace))
            {
                yield return Check("configuration", $"{entry.Name}@workspace", CheckStatuses.Warn,
                    $"The workspace '{workspace}' sets {entry.Name} to {entry.Value} ({entry.SourcePath}); it is not in workspace.trusted, so your secrets (e.g. lmstudio.apiKey) are not sent there.",
                    $"If you trust it: Set-MsgcodeConfig workspace.trusted '{workspace}' (a list: keep the others). Else remove {entry.Name} from {entry.SourcePath}.",
                    new() { ["workspace"] = workspace, ["where"] = entry.SourcePath ?? string.Empty });
            }

            // A user-wide key in the workspace's file (jobs.enabled, say) is ignored: it must not look as if it applied.
            foreach (var problem in config.Problems.Where(p => p.ErrorId is ErrorIds.ConfigWorkspaceCannotLoosen or ErrorIds.ConfigKeyNotWorkspaceScoped))
            {
                yield return Check("configuration", $"{problem.Key}@workspace", CheckStatuses.Warn, $"{problem.ErrorId}: {problem.Message}",
                    problem.ErrorId == ErrorIds.ConfigKeyNotWorkspaceScoped
                        ? $"Remove it from {problem.Path}; for the whole user: Set-MsgcodeConfig {problem.Key} <value>."
                        : $"Remove it from {problem.Path}.",
                    new() { ["workspace"] = workspace, ["where"] = problem.Path ?? string.Empty, ["errorId"] = problem.ErrorId });
            }
        }
    }
}
