using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>
/// Core's <see cref="ISecretVault"/> through Microsoft.PowerShell.SecretManagement's documented cmdlets (Get-SecretVault,
/// Set-Secret, Get-Secret -AsPlainText, Remove-Secret). They run in a private runspace of this process, one call at a
/// time, so any thread can use them: the cmdlets, and the daemon (which is this module inside pwsh, Start-MsgcodeDaemon
/// -Foreground) when a run needs a key. The module is looked for on each call (Get-Command Set-Secret), never required:
/// without it msgcode keeps secrets in its own 0600 file. A secret's value is passed as a parameter object, never in
/// script text, and never appears in an error message.
/// </summary>
internal sealed class SecretManagementVault : ISecretVault
{
    public static readonly SecretManagementVault Instance = new();

    private readonly object _gate = new();
    private Runspace? _runspace;

    public bool IsInstalled
        => Run(ps => ps.AddCommand("Get-Command").AddParameter("Name", "Set-Secret").AddParameter("ErrorAction", ActionPreference.Ignore), null, null).Count > 0;

    public string? DefaultVault()
        => IsInstalled ? Vaults().FirstOrDefault(v => v.IsDefault).Name : null;

    public bool Exists(string vault) => Vaults().Any(v => string.Equals(v.Name, vault, StringComparison.OrdinalIgnoreCase));

    public void Set(string vault, string name, string value)
        => Run(ps => ps.AddCommand("Set-Secret").AddParameter("Name", name).AddParameter("Vault", vault).AddParameter("Secret", value), vault, name);

    public string Get(string vault, string name)
    {
        var output = Run(ps => ps.AddCommand("Get-Secret").AddParameter("Name", name).AddParameter("Vault", vault).AddParameter("AsPlainText"), vault, name);
        return output.Count > 0 && output[0]?.BaseObject is string text
            ? text
            : throw new MsgcodeException(ErrorIds.SecretVaultFailed, MsgcodeErrorCategory.InvalidData, $"{vault}/{name}",
                $"The vault '{vault}' holds '{name}', but not as text. Set it again: Set-MsgcodeConfig <key> -SecureValue (Read-Host -AsSecureString) -Vault {vault}.");
    }

    public void Remove(string vault, string name)
    {
        // Remove-Secret reports a missing secret as any other failure (RemoveSecretInvalidOperation): ask Get-Secret first.
        try
        {
            Get(vault, name);
        }
        catch (MsgcodeException ex) when (ex.ErrorId == ErrorIds.SecretNotFound)
        {
            return;
        }

        Run(ps => ps.AddCommand("Remove-Secret").AddParameter("Name", name).AddParameter("Vault", vault), vault, name);
    }

    private IEnumerable<(string Name, bool IsDefault)> Vaults()
        => Run(ps => ps.AddCommand("Get-SecretVault"), null, null)
            .Select(v => (Name: v.Properties["Name"]?.Value as string ?? string.Empty, IsDefault: v.Properties["IsDefault"]?.Value is true))
            .Where(v => v.Name.Length > 0)
            .ToList();

    private Collection<PSObject> Run(Action<System.Management.Automation.PowerShell> build, string? vault, string? name)
    {
        lock (_gate)
        {
            if (_runspace is null || _runspace.RunspaceStateInfo.State != RunspaceState.Opened)
            {
                _runspace?.Dispose();
                _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
                _runspace.Open();
            }

            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = _runspace;
            build(ps);
            Collection<PSObject> output;
            try
            {
                output = ps.Invoke();
            }
            catch (RuntimeException ex)
            {
                throw Map(ex.ErrorRecord, ex, vault, name);
            }

            return ps.Streams.Error.Count > 0 ? throw Map(ps.Streams.Error[0], null, vault, name) : output;
        }
    }

    /// <summary>SecretManagement's failures by its documented ErrorIds, and a locked vault by its PasswordRequiredException.</summary>
    private static MsgcodeException Map(ErrorRecord? record, Exception? thrown, string? vault, string? name)
    {
        var target = vault is null ? "SecretManagement" : name is null ? vault : $"{vault}/{name}";
        var reason = record?.Exception?.Message ?? thrown?.Message ?? "unknown error";
        if (Chain(record?.Exception).Concat(Chain(thrown)).Any(e => e.GetType().Name == "PasswordRequiredException"))
        {
            return new MsgcodeException(ErrorIds.SecretVaultLocked, MsgcodeErrorCategory.PermissionDenied, target,
                $"The vault '{vault}' is locked ({reason}), so nothing was read or written. Unlock it in this process (for a SecretStore vault: Unlock-SecretStore); " +
                "the daemon runs without a prompt, so for it use a vault that needs no password (Set-SecretStoreConfiguration -Authentication None) or keep the key in msgcode's 0600 file.");
        }

        var id = record?.FullyQualifiedErrorId?.Split(',')[0];
        return id switch
        {
            "GetSecretVaultNotFound" or "SetSecretCommandFailNoVault" => SecretStore.VaultNotFound(vault ?? string.Empty),
            "GetSecretNotFound" => new MsgcodeException(ErrorIds.SecretNotFound, MsgcodeErrorCategory.ObjectNotFound, target,
                $"The vault '{vault}' holds no secret named '{name}'. Set the setting again (Set-MsgcodeConfig <key> -SecureValue (Read-Host -AsSecureString)), or reset it."),
            _ => new MsgcodeException(ErrorIds.SecretVaultFailed, MsgcodeErrorCategory.InvalidOperation, target,
                $"SecretManagement failed{(vault is null ? string.Empty : $" on the vault '{vault}'")}: {reason} ({id}). Check the vault with Test-SecretVault, then try again.",
                thrown ?? record?.Exception),
        };
    }

    private static IEnumerable<Exception> Chain(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
