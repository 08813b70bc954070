using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Msgcode.Core.Channels;
using Msgcode.Core.Config;

namespace Msgcode.PowerShell.Completers;

/// <summary>Completes the chat GUIDs of the routes in routes.json.</summary>
public sealed class ChatGuidCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<ChatRoute> routes;
        try
        {
            routes = new RouteStore(MsgcodeHome.Resolve()).List();
        }
        catch (Exception)
        {
            yield break;
        }

        foreach (var route in routes.Where(r => r.ChatGuid.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase)))
        {
            yield return new CompletionResult($"'{route.ChatGuid}'", route.ChatGuid, CompletionResultType.ParameterValue, $"{route.Label} ({route.Status})");
        }
    }
}
