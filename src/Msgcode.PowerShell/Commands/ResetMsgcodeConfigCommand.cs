using System.Management.Automation;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Removes configuration keys from the state layer, or from a workspace's layer, so lower layers show through.</para>
/// </summary>
[Cmdlet(VerbsCommon.Reset, "MsgcodeConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ConfigEntry))]
public sealed class ResetMsgcodeConfigCommand : MsgcodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ConfigKeyCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(WorkspacePathCompleter))]
    public string? Workspace { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override bool RecordErrorsAreNonTerminating => true;

    protected override void ProcessRecordCore()
    {
        var sources = ConfigSources(Workspace);
        var workspace = Workspace is not null;
        if (workspace)
        {
            ConfigStore.RequireWorkspace(sources.WorkspacePath!);
        }

        var present = ConfigStore.NamesIn(sources, workspace);
        var path = workspace ? sources.WorkspaceConfigFile! : sources.Home.StateFile;
        foreach (var name in Name)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var literal = !WildcardPattern.ContainsWildcardCharacters(name);
            if (literal && ConfigSchema.Find(name) is null && !present.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                WriteMsgcodeError(new MsgcodeException(ErrorIds.ConfigKeyUnknown, MsgcodeErrorCategory.ObjectNotFound, name,
                    $"'{name}' is not a msgcode setting and is not set in {path}."));
                continue;
            }

            foreach (var setName in present.Where(n => pattern.IsMatch(n)))
            {
                if (!ShouldProcess(path, $"Remove {setName}"))
                {
                    continue;
                }

                try
                {
                    var key = ConfigSchema.Find(setName);
                    if (key is null)
                    {
                        ConfigStore.RemoveUnknown(sources, setName, workspace);
                        continue;
                    }

                    var change = ConfigStore.Unset(sources, key, workspace);
                    if (PassThru)
                    {
                        WriteObject(change.Effective);
                    }
                }
                catch (MsgcodeException ex)
                {
                    WriteMsgcodeError(ex);
                }
            }
        }
    }
}
