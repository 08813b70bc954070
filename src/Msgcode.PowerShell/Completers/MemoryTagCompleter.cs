using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Msgcode.Core.Memory;

namespace Msgcode.PowerShell.Completers;

/// <summary>Completes -Tag with the tags the notes of the workspace (named by -Workspace, or the current folder) already carry, most used first.</summary>
public sealed class MemoryTagCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"').TrimStart('#');
        IReadOnlyList<string> tags;
        try
        {
            var workspace = fakeBoundParameters["Workspace"] as string;
            if (workspace is null)
            {
                using var runspace = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
                var location = runspace.AddCommand("Get-Location").Invoke<PathInfo>().FirstOrDefault();
                workspace = location?.Provider.Name == "FileSystem" ? location.ProviderPath : Environment.CurrentDirectory;
            }

            tags = new MemoryStore(workspace).Tags();
        }
        catch (Exception)
        {
            yield break;
        }

        foreach (var tag in tags.Where(t => t.StartsWith(word, StringComparison.OrdinalIgnoreCase)).Take(100))
        {
            yield return new CompletionResult(tag, tag, CompletionResultType.ParameterValue, "#" + tag);
        }
    }
}
