using Msgcode.Core.Errors;

namespace Msgcode.Core.Config;

/// <summary>
/// Where the user's secret settings are kept, so that <c>state.json</c> never holds one: a SecretManagement vault when one
/// is registered (the one named, else the default vault), else msgcode's own 0600 <see cref="SecretFile"/>. state.json
/// keeps a <see cref="SecretReference"/> to it. A value set in the environment (LMSTUDIO_API_KEY) is never stored anywhere.
/// </summary>
public static class SecretStore
{
    /// <summary>
    /// The vault a secret setting goes to: <paramref name="vault"/> when given (it must be registered), else the default
    /// vault when SecretManagement is installed and has one, else null (msgcode's secrets file).
    /// </summary>
    public static string? ChooseVault(string? vault)
    {
        var client = SecretVaults.Current;
        if (string.IsNullOrEmpty(vault))
        {
            return client is { IsInstalled: true } ? client.DefaultVault() : null;
        }

        if (client is null || !client.IsInstalled)
        {
            throw new MsgcodeException(ErrorIds.SecretVaultNotFound, MsgcodeErrorCategory.NotInstalled, vault,
                $"The vault '{vault}' cannot be used: Microsoft.PowerShell.SecretManagement is not installed. Install it (Install-PSResource Microsoft.PowerShell.SecretManagement) " +
                "and register a vault (Register-SecretVault), or leave out -Vault to keep the value in msgcode's own 0600 secrets file.");
        }

        return client.Exists(vault) ? vault : throw VaultNotFound(vault);
    }

    /// <summary>
    /// Where Set-MsgcodeConfig puts <paramref name="key"/>'s value: for a secret key set for the user, the vault
    /// (<see cref="ChooseVault"/>) or null for the secrets file; for any other, null (its layer's file). A vault named for a
    /// key that is not secret, or for a workspace's setting, is refused with <see cref="ErrorIds.ConfigVaultNotApplicable"/>.
    /// </summary>
    public static string? DestinationFor(ConfigKey key, bool workspace, string? vault)
    {
        if (vault is not null && (!key.Secret || workspace))
        {
            throw new MsgcodeException(ErrorIds.ConfigVaultNotApplicable, MsgcodeErrorCategory.InvalidArgument, key.Name,
                !key.Secret
                    ? $"'{key.Name}' is not a secret setting, so it is kept in state.json, not in a vault. Leave out -Vault."
                    : $"A secret set for one workspace stays in its .msgcode/config.json (created 0600); only the user's own setting goes to a vault. Leave out -Workspace or -Vault.");
        }

        return key.Secret && !workspace ? ChooseVault(vault) : null;
    }

    /// <summary>Stores <paramref name="value"/> for <paramref name="key"/> in <paramref name="vault"/> (null: the secrets file).</summary>
    /// <returns>The reference for state.json, and whether the stored value changed (always true for a vault, which is not read back).</returns>
    public static (SecretReference Reference, bool Changed) Put(MsgcodeHome home, ConfigKey key, string value, string? vault)
    {
        var reference = SecretReference.For(key, vault);
        if (reference.Vault is null)
        {
            return (reference, SecretFile.Set(home, reference.Name, value));
        }

        Client(reference.Vault).Set(reference.Vault, reference.Name, value);
        return (reference, true);
    }

    /// <summary>Removes the value a reference points to (a value already gone is no error). A vault's failure is thrown.</summary>
    public static void Forget(MsgcodeHome home, SecretReference reference)
    {
        if (reference.Vault is null)
        {
            SecretFile.Remove(home, reference.Name);
            return;
        }

        Client(reference.Vault).Remove(reference.Vault, reference.Name);
    }

    /// <summary>The value a reference points to, for the resolver: never throws; a failure is returned as an issue.</summary>
    public static string? Read(MsgcodeHome home, ConfigKey key, SecretReference reference, out ConfigIssue? issue)
    {
        issue = null;
        if (reference.Vault is null)
        {
            return SecretFile.Read(home, reference.Name, out issue);
        }

        try
        {
            var client = SecretVaults.Current ?? throw new MsgcodeException(ErrorIds.SecretVaultNotFound, MsgcodeErrorCategory.NotInstalled, reference.Vault,
                $"{key.Name} is kept in the SecretManagement vault '{reference.Vault}', which only a process running the msgcode PowerShell module can read. " +
                "Run the daemon with Start-MsgcodeDaemon, or set the value in the environment instead.");
            return client.Get(reference.Vault, reference.Name);
        }
        catch (MsgcodeException ex)
        {
            issue = new ConfigIssue { ErrorId = ex.ErrorId, Layer = nameof(ConfigLayer.State), Path = reference.Describe(home), Key = key.Name, Message = ex.Message };
            return null;
        }
    }

    public static MsgcodeException VaultNotFound(string vault) => new(ErrorIds.SecretVaultNotFound, MsgcodeErrorCategory.ObjectNotFound, vault,
        $"No SecretManagement vault named '{vault}' is registered. Get-SecretVault lists the vaults; register one with Register-SecretVault, or name another with -Vault.");

    private static ISecretVault Client(string vault)
    {
        var client = SecretVaults.Current;
        return client is { IsInstalled: true } ? client : throw new MsgcodeException(ErrorIds.SecretVaultNotFound, MsgcodeErrorCategory.NotInstalled, vault,
            $"The secret is kept in the SecretManagement vault '{vault}', but SecretManagement cannot be loaded in this process. Install Microsoft.PowerShell.SecretManagement, " +
            "or reset the setting (Reset-MsgcodeConfig) and set it again.");
    }
}
