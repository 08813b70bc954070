using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Msgcode.Core.Config;

namespace Msgcode.PowerShell.Completers;

/// <summary>Tab completion of configuration key names, with each key's description as the tooltip.</summary>
public sealed class ConfigKeyCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        var pattern = WildcardPattern.Get(word + "*", WildcardOptions.IgnoreCase);
        foreach (var key in ConfigSchema.Keys)
        {
            if (pattern.IsMatch(key.Name))
            {
                yield return new CompletionResult(key.Name, key.Name, CompletionResultType.ParameterValue, $"{key.Name} ({key.Type}): {key.Description}");
            }
        }
    }
}
