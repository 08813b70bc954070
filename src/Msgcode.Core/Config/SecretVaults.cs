namespace Msgcode.Core.Config;

/// <summary>
/// The <see cref="ISecretVault"/> of this process. The PowerShell module registers one on its first cmdlet; a process
/// without PowerShell (or a test) has none, and a setting kept in a vault is then reported, not read.
/// </summary>
public static class SecretVaults
{
    private static ISecretVault? _current;

    /// <summary>The registered vault access, or null.</summary>
    public static ISecretVault? Current => Volatile.Read(ref _current);

    /// <summary>Registers the vault access of this process (the last registration wins); null removes it.</summary>
    public static void Use(ISecretVault? vault) => Volatile.Write(ref _current, vault);
}
