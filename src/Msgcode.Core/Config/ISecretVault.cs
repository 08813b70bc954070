namespace Msgcode.Core.Config;

/// <summary>
/// A vault of Microsoft.PowerShell.SecretManagement, as Core sees it. SecretManagement is a PowerShell module, and Core
/// holds no PowerShell reference, so the module's cmdlet layer implements this (calling Get-SecretVault, Set-Secret,
/// Get-Secret -AsPlainText and Remove-Secret) and registers it with <see cref="SecretVaults.Use"/>. Every member may be
/// called from any thread (the daemon's runs read secrets off the pipeline thread).
/// Failures are <see cref="Errors.MsgcodeException"/>s: <see cref="Errors.ErrorIds.SecretVaultNotFound"/>,
/// <see cref="Errors.ErrorIds.SecretVaultLocked"/>, <see cref="Errors.ErrorIds.SecretNotFound"/> or
/// <see cref="Errors.ErrorIds.SecretVaultFailed"/>.
/// </summary>
public interface ISecretVault
{
    /// <summary>Whether SecretManagement can be loaded in this process (Get-Command Set-Secret finds it).</summary>
    bool IsInstalled { get; }

    /// <summary>The default vault's name, or null when SecretManagement is missing or no vault is the default.</summary>
    string? DefaultVault();

    /// <summary>Whether a vault of this name is registered.</summary>
    bool Exists(string vault);

    void Set(string vault, string name, string value);

    /// <summary>The secret's value as plain text (Get-Secret -AsPlainText).</summary>
    string Get(string vault, string name);

    /// <summary>Removes the secret; a secret that is not there is no error.</summary>
    void Remove(string vault, string name);
}
