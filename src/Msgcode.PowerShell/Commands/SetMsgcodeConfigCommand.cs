using System.Management.Automation;
using System.Net;
using System.Security;
using Msgcode.Core.Config;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Sets a configuration key in the state layer, or in a workspace's layer.</para>
/// <para>A secret key (lmstudio.apiKey) set for the user is never written to state.json: its value goes to a
/// SecretManagement vault when one is registered (-Vault, else the default vault), else to the 0600 secrets file, and
/// state.json keeps a reference. -SecureValue takes a SecureString, so the value need not be typed in clear.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "MsgcodeConfig", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ValueSet)]
[OutputType(typeof(ConfigEntry))]
public sealed class SetMsgcodeConfigCommand : MsgcodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ConfigKeyCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    public const string ValueSet = "Value";
    public const string SecureValueSet = "SecureValue";

    /// <summary>The value; a SecureString is accepted too (and is what a secret key should get).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true, ParameterSetName = ValueSet)]
    [ArgumentCompleter(typeof(ConfigValueCompleter))]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public object? Value { get; set; }

    /// <summary>The value as a SecureString (Read-Host -AsSecureString); PowerShell prompts for it, masked, when it is left out.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SecureValueSet)]
    public SecureString? SecureValue { get; set; }

    /// <summary>The SecretManagement vault for a secret key (default: the default vault, when SecretManagement has one).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Vault { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(WorkspacePathCompleter))]
    public string? Workspace { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Accepts a runner.default that no runner has yet (one you will add to capabilities.json later).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override bool RecordErrorsAreNonTerminating => true;

    protected override void ProcessRecordCore()
    {
        var sources = ConfigSources(Workspace);
        var key = ConfigStore.RequireKey(Name);
        var value = ConfigStore.Validate(key, Unwrap(ParameterSetName == SecureValueSet ? SecureValue : Value));
        if (key.Name == "runner.default" && value is string runner)
        {
            value = RunnerCheck.Require(this, runner, Force);
        }

        var workspace = Workspace is not null;
        var (_, path) = ConfigStore.Target(sources, key, workspace);
        var vault = SecretStore.DestinationFor(key, workspace, Vault);
        var shown = key.Secret ? ConfigKey.Redacted : Format(value);
        var where = key.Secret && !workspace ? $" (the value in {(vault is null ? sources.Home.SecretsFile : $"the vault {vault}")})" : string.Empty;
        if (!ShouldProcess(path, $"Set {key.Name} = {shown}{where}"))
        {
            return;
        }

        var change = ConfigStore.Set(sources, key, value, workspace, vault);
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
        SecureString secure => new NetworkCredential(string.Empty, secure).Password,
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
