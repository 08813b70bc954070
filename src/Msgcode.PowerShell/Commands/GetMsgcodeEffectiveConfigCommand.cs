using System.Management.Automation;
using Msgcode.Core.Channels;
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
[OutputType(typeof(EffectiveState), ParameterSetName = [ChatSet, OverviewSet])]
public sealed class GetMsgcodeEffectiveConfigCommand : MsgcodeCmdlet
{
    public const string EffectiveSet = "Effective";
    public const string ExplainSet = "Explain";
    public const string ChatSet = "Chat";
    public const string OverviewSet = "Overview";

    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ConfigKeyCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = EffectiveSet)]
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ExplainSet)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = OverviewSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(WorkspacePathCompleter))]
    public string? Workspace { get; set; }

    /// <summary>A chat (GUID, normalized id or unique ending): explains its route, workspace, runner, access, memory and jobs.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ChatSet, ValueFromPipelineByPropertyName = true)]
    [Alias("ChatGuid")]
    [ArgumentCompleter(typeof(ChatGuidCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Chat { get; set; }

    /// <summary>A sender handle: whether its messages would be served in the chat, and why.</summary>
    [Parameter(ParameterSetName = ChatSet)]
    [Parameter(ParameterSetName = OverviewSet)]
    [ValidateNotNullOrEmpty]
    public string? Sender { get; set; }

    /// <summary>With -Workspace: the workspace's overview (routes, runner, access, memory, jobs) instead of one object per key.</summary>
    [Parameter(ParameterSetName = OverviewSet)]
    public SwitchParameter Overview { get; set; }

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

        if (ParameterSetName is ChatSet or OverviewSet)
        {
            var state = Chat is not null
                ? EffectiveStates.ForChat(sources.Home, Chat, Sender, sources.Environment)
                : EffectiveStates.ForWorkspace(sources.Home, sources.WorkspacePath!, Sender, sources.Environment);
            WriteObject(Name is null ? state : state.WithKeys(state.Keys.Where(k => Name.Any(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase).IsMatch(k.Name))).ToList()));
            return;
        }

        var report = ConfigResolver.Resolve(sources);
        var patterns = (Name ?? ["*"]).Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToArray();
        bool Selected(string? key) => key is null || patterns.Any(p => p.IsMatch(key));

        foreach (var issue in report.Problems)
        {
            // File-level problems and unknown keys concern every selection; a key's problems only its own.
            if (issue.ErrorId is ErrorIds.ConfigValueInvalid or ErrorIds.ConfigKeyNotWorkspaceScoped or ErrorIds.ConfigLegacyValueIgnored ? Selected(issue.Key) : true)
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
