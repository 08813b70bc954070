using System.Management.Automation;
using Msgcode.Core.Config;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Sets a configuration key in the state layer, or in a workspace's layer.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "MsgcodeConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ConfigEntry))]
public sealed class SetMsgcodeConfigCommand : MsgcodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ConfigKeyCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public object? Value { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Workspace { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override bool RecordErrorsAreNonTerminating => true;

    protected override void ProcessRecordCore()
    {
        var sources = ConfigSources(Workspace);
        var key = ConfigStore.RequireKey(Name);
        var value = ConfigStore.Validate(key, Unwrap(Value));
        var (_, path) = ConfigStore.Target(sources, key, Workspace is not null);
        var shown = key.Secret ? ConfigKey.Redacted : Format(value);
        if (!ShouldProcess(path, $"Set {key.Name} = {shown}"))
        {
            return;
        }

        var change = ConfigStore.Set(sources, key, value, Workspace is not null);
        if (change.ShadowedBy is not null)
        {
            WriteWarning($"{key.Name} was written to {change.Path}, but {change.ShadowedBy} overrides it; the effective value is still {Format(change.Effective.Value)}. Remove that setting for this one to take effect.");
        }

        if (!change.Changed)
        {
            WriteVerbose($"{key.Name} already had this value in {change.Path}; the file was not rewritten.");
        }

        if (PassThru)
        {
            WriteObject(change.Effective);
        }
    }

    internal static object? Unwrap(object? value) => value switch
    {
        PSObject ps => Unwrap(ps.BaseObject),
        object[] array => array.Select(Unwrap).ToArray(),
        _ => value,
    };

    internal static string Format(object? value) => value switch
    {
        null => "(unset)",
        string[] list => "[" + string.Join(", ", list) + "]",
        bool b => b ? "true" : "false",
        _ => value.ToString() ?? string.Empty,
    };
}
