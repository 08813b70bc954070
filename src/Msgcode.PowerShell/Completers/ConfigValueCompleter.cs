using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Msgcode.Core.Config;

namespace Msgcode.PowerShell.Completers;

/// <summary>
/// Completes the value of Set-MsgcodeConfig from the schema of the key already typed: the allowed values of an
/// enum key (log.level: debug, info, warn, error), true and false for a boolean key, and nothing for free values.
/// </summary>
public sealed class ConfigValueCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (fakeBoundParameters["Name"] is not string name || ConfigSchema.Find(name) is not { } key)
        {
            yield break;
        }

        IEnumerable<string> values = key.Type switch
        {
            ConfigValueType.Enum => key.AllowedValues ?? [],
            ConfigValueType.Boolean => ["true", "false"],
            _ => [],
        };
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        foreach (var value in values.Where(v => v.StartsWith(word, StringComparison.OrdinalIgnoreCase)))
        {
            var isDefault = string.Equals(value, Convert.ToString(key.Default, System.Globalization.CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase);
            var tip = isDefault ? $"{value} (the default)" : value;
            yield return new CompletionResult(value, value, CompletionResultType.ParameterValue, $"{key.Name}: {tip}");
        }
    }
}
