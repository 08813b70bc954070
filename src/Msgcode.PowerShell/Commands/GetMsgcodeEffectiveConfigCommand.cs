using System.Management.Automation;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Shows the value of every configuration key, the layer it came from and what it shadows.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeEffectiveConfig", DefaultParameterSetName = EffectiveSet)]
[OutputType(typeof(ConfigEntry), ParameterSetName = [EffectiveSet])]
[OutputType(typeof(ConfigLayerValue), ParameterSetName = [ExplainSet])]
public sealed class GetMsgcodeEffectiveConfigCommand : MsgcodeCmdlet
{
    public const string EffectiveSet = "Effective";
    public const string ExplainSet = "Explain";

    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ConfigKeyCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Workspace { get; set; }

    /// <summary>One object per layer that sets each key: its value and whether it is in force, shadowed or invalid.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ExplainSet)]
    public SwitchParameter Explain { get; set; }

    protected override void ProcessRecordCore()
    {
        var sources = ConfigSources(Workspace);
        if (sources.WorkspacePath is not null && !Directory.Exists(sources.WorkspacePath))
        {
            WriteMsgcodeError(new MsgcodeException(ErrorIds.WorkspaceNotFound, MsgcodeErrorCategory.ObjectNotFound, sources.WorkspacePath,
                $"The workspace folder '{sources.WorkspacePath}' does not exist. Pass an existing folder to -Workspace."));
            return;
        }

        var report = ConfigResolver.Resolve(sources);
        var patterns = (Name ?? ["*"]).Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToArray();
        bool Selected(string? key) => key is null || patterns.Any(p => p.IsMatch(key));

        foreach (var issue in report.Problems)
        {
            // File-level problems and unknown keys concern every selection; a key's problems only its own.
            if (issue.ErrorId is ErrorIds.ConfigValueInvalid or ErrorIds.ConfigKeyNotWorkspaceScoped ? Selected(issue.Key) : true)
            {
                WriteIssue(issue);
            }
        }

        foreach (var name in Name ?? [])
        {
            if (!WildcardPattern.ContainsWildcardCharacters(name) && ConfigSchema.Find(name) is null)
            {
                WriteMsgcodeError(new MsgcodeException(ErrorIds.ConfigKeyUnknown, MsgcodeErrorCategory.ObjectNotFound, name,
                    $"'{name}' is not a msgcode setting. Get-MsgcodeEffectiveConfig without -Name lists every key."));
            }
        }

        foreach (var entry in report.Entries)
        {
            if (!Selected(entry.Name))
            {
                continue;
            }

            if (Explain)
            {
                WriteObject(entry.GetLayers(), enumerateCollection: true);
            }
            else
            {
                WriteObject(entry);
            }
        }
    }
}
