using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Msgcode.Core.Tasks;

namespace Msgcode.PowerShell.Completers;

/// <summary>
/// Completes task ids of the workspace named by -Workspace (or the current folder), with their titles; for
/// Close-MsgcodeTask only the tasks it can close (not done or canceled yet).
/// </summary>
public sealed class TaskIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var workspace = fakeBoundParameters["Workspace"] as string ?? Environment.CurrentDirectory;
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"').ToLowerInvariant();
        IReadOnlyList<TaskInfo> tasks;
        try
        {
            using var runspace = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            var location = runspace.AddCommand("Get-Location").Invoke<PathInfo>().FirstOrDefault();
            if (fakeBoundParameters["Workspace"] is null && location?.Provider.Name == "FileSystem")
            {
                workspace = location.ProviderPath;
            }

            tasks = new TaskStore(workspace).List();
        }
        catch (Exception)
        {
            yield break;
        }

        var closing = string.Equals(commandName, "Close-MsgcodeTask", StringComparison.OrdinalIgnoreCase);
        foreach (var task in tasks.Where(t => !closing || TaskStatuses.IsClosable(t.Status)).Where(t => t.Id.StartsWith(word, StringComparison.Ordinal) || t.Id[TaskId.Prefix.Length..].StartsWith(word, StringComparison.Ordinal)
                                              || t.Title.Contains(word, StringComparison.OrdinalIgnoreCase)).Reverse().Take(100))
        {
            yield return new CompletionResult(task.Id, $"{task.Id} {task.Title}", CompletionResultType.ParameterValue, $"[{task.Status}] {task.Title}");
        }
    }
}

/// <summary>Completes runner kinds.</summary>
public sealed class RunnerKindCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        Msgcode.Core.Runners.CapabilityRegistry registry;
        try
        {
            var moduleBase = Path.GetDirectoryName(typeof(RunnerKindCompleter).Assembly.Location)!;
            registry = Msgcode.Core.Runners.CapabilityRegistry.Load(Path.Combine(moduleBase, "capabilities.json"), Msgcode.Core.Config.MsgcodeHome.Resolve().CapabilitiesFile);
        }
        catch (Exception)
        {
            yield break;
        }

        foreach (var entry in registry.Entries.Where(e => e.Kind.StartsWith(word, StringComparison.OrdinalIgnoreCase)))
        {
            yield return new CompletionResult(entry.Kind, entry.Kind, CompletionResultType.ParameterValue, entry.Description);
        }
    }
}
