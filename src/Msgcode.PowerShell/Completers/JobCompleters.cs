using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Msgcode.Core.Config;
using Msgcode.Core.Jobs;
using JobDefinition = Msgcode.Core.Jobs.JobDefinition;

namespace Msgcode.PowerShell.Completers;

/// <summary>Completes job ids and names from the home's jobs.json (only names for a -Name parameter), with the schedule as tooltip.</summary>
public sealed class JobCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        List<JobDefinition> jobs;
        try
        {
            jobs = new JobStore(MsgcodeHome.Resolve()).Load().Jobs;
        }
        catch (Exception)
        {
            yield break;
        }

        foreach (var job in jobs)
        {
            var tooltip = $"{job.Name}: {job.Schedule}{(job.Enabled ? string.Empty : " (disabled)")}";
            var namesOnly = string.Equals(parameterName, "Name", StringComparison.OrdinalIgnoreCase);
            if (!namesOnly && job.Id.StartsWith(word, StringComparison.OrdinalIgnoreCase) || job.Id[JobStore.IdPrefix.Length..].StartsWith(word, StringComparison.OrdinalIgnoreCase))
            {
                yield return new CompletionResult(job.Id, $"{job.Id} {job.Name}", CompletionResultType.ParameterValue, tooltip);
            }
            else if (job.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            {
                yield return new CompletionResult(Quote(job.Name), job.Name, CompletionResultType.ParameterValue, tooltip);
            }
        }
    }

    private static string Quote(string text) => text.Any(c => char.IsWhiteSpace(c) || "'\"$`;,(){}|&<>@#".Contains(c)) ? "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'" : text;
}

/// <summary>Completes IANA time zone ids (Asia/Shanghai, America/New_York, UTC...).</summary>
public sealed class TimeZoneCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        foreach (var zone in TimeZoneInfo.GetSystemTimeZones().Where(z => z.Id.StartsWith(word, StringComparison.OrdinalIgnoreCase)).Take(200))
        {
            yield return new CompletionResult(zone.Id, zone.Id, CompletionResultType.ParameterValue, zone.DisplayName);
        }
    }
}
