using Msgcode.Core.Config;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Tests.Config;

/// <summary>
/// Secret settings are kept out of state.json: in the 0600 secrets file, or in a vault behind <see cref="ISecretVault"/>
/// (here an in-memory one; the PowerShell implementation is tested against a stand-in SecretManagement module in Pester).
/// The vault registration is process-wide, so every test that registers one is in this class (xunit runs a class serially).
/// </summary>
public sealed class SecretStoreTests : IDisposable
{
    private const string Secret = "sk-core-test-5f1c9a";

    private readonly TempDir _dir = new();

    private static ConfigKey ApiKey => ConfigSchema.Find("lmstudio.apiKey")!;

    private ConfigSources Sources(Dictionary<string, string>? env = null) => new(new MsgcodeHome(_dir.File("home")), null, env ?? []);

    public void Dispose()
    {
        SecretVaults.Use(null);
        _dir.Dispose();
    }

    private List<string> FilesHolding(string value)
        => Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories).Where(f => File.ReadAllText(f).Contains(value, StringComparison.Ordinal)).ToList();

    [Fact]
    public void Without_a_vault_the_value_goes_to_a_0600_secrets_file_and_state_json_holds_a_reference()
    {
        var sources = Sources();
        var change = ConfigStore.Set(sources, ApiKey, Secret, workspace: false, vault: null);

        Assert.True(change.Changed);
        Assert.Equal([sources.Home.SecretsFile], FilesHolding(Secret));
        Assert.Contains("\"secretName\": \"msgcode.lmstudio.apiKey\"", File.ReadAllText(sources.Home.StateFile), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(sources.Home.SecretsFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(sources.Home.StateFile));
        }

        var entry = ConfigResolver.Resolve(sources)["lmstudio.apiKey"];
        Assert.Equal(Secret, entry.RawValue);
        Assert.Equal(ConfigKey.Redacted, entry.Value);
        Assert.Equal(nameof(ConfigLayer.State), entry.Source);
        Assert.Equal(sources.Home.SecretsFile, entry.SourcePath);
        Assert.False(ConfigStore.Set(sources, ApiKey, Secret, workspace: false).Changed);

        ConfigStore.Unset(sources, ApiKey, workspace: false);
        Assert.Empty(FilesHolding(Secret));
        Assert.Equal(nameof(ConfigLayer.Default), ConfigResolver.Resolve(sources)["lmstudio.apiKey"].Source);
    }

    [Fact]
    public void A_secret_set_in_the_environment_is_used_and_written_nowhere()
    {
        var sources = Sources(new() { ["MSGCODE_LMSTUDIO_API_KEY"] = Secret });
        ConfigStore.Set(sources, ConfigSchema.Find("lmstudio.model")!, "qwen", workspace: false);
        Assert.Equal(Secret, ConfigResolver.Resolve(sources).GetString("lmstudio.apiKey"));
        Assert.Empty(FilesHolding(Secret));
    }

    [Fact]
    public void With_a_vault_no_file_holds_the_value_and_the_reference_names_the_vault()
    {
        var vault = new MemoryVault { Default = "Personal" };
        SecretVaults.Use(vault);
        var sources = Sources();
        var chosen = SecretStore.DestinationFor(ApiKey, workspace: false, vault: null);
        Assert.Equal("Personal", chosen);
        ConfigStore.Set(sources, ApiKey, Secret, workspace: false, vault: chosen);

        Assert.Empty(FilesHolding(Secret));
        Assert.Equal(Secret, vault.Secrets[("Personal", "msgcode.lmstudio.apiKey")]);
        var entry = ConfigResolver.Resolve(sources)["lmstudio.apiKey"];
        Assert.Equal(Secret, entry.RawValue);
        Assert.Equal("vault:Personal/msgcode.lmstudio.apiKey", entry.SourcePath);

        // Locked: reported with its id, the next layer wins, nothing is written anywhere.
        vault.Locked = true;
        var report = ConfigResolver.Resolve(sources);
        Assert.Equal(nameof(ConfigLayer.Default), report["lmstudio.apiKey"].Source);
        Assert.Contains(report.Problems, p => p.ErrorId == ErrorIds.SecretVaultLocked && p.Key == "lmstudio.apiKey");
        var refused = Assert.Throws<MsgcodeException>(() => ConfigStore.Set(sources, ApiKey, "sk-other-value", workspace: false, vault: "Personal"));
        Assert.Equal(ErrorIds.SecretVaultLocked, refused.ErrorId);
        Assert.Empty(FilesHolding("sk-other-value"));
        Assert.Equal(ErrorIds.SecretVaultLocked, Assert.Throws<MsgcodeException>(() => ConfigStore.Unset(sources, ApiKey, workspace: false)).ErrorId);
        Assert.Contains("secretName", File.ReadAllText(sources.Home.StateFile), StringComparison.Ordinal);

        // The vault fails otherwise, or no longer holds the secret.
        vault.Locked = false;
        vault.Broken = true;
        Assert.Contains(ConfigResolver.Resolve(sources).Problems, p => p.ErrorId == ErrorIds.SecretVaultFailed);
        vault.Broken = false;
        vault.Secrets.Clear();
        Assert.Contains(ConfigResolver.Resolve(sources).Problems, p => p.ErrorId == ErrorIds.SecretNotFound);

        // A process without PowerShell cannot read a vault: reported, not thrown.
        SecretVaults.Use(null);
        Assert.Contains(ConfigResolver.Resolve(sources).Problems, p => p.ErrorId == ErrorIds.SecretVaultNotFound);
    }

    [Fact]
    public void Moving_a_secret_from_the_file_to_a_vault_leaves_no_copy_in_the_file()
    {
        var sources = Sources();
        ConfigStore.Set(sources, ApiKey, Secret, workspace: false);
        var vault = new MemoryVault { Default = "Personal" };
        SecretVaults.Use(vault);
        ConfigStore.Set(sources, ApiKey, Secret, workspace: false, vault: "Personal");
        Assert.Empty(FilesHolding(Secret));
        Assert.Equal(Secret, ConfigResolver.Resolve(sources).GetString("lmstudio.apiKey"));
    }

    [Fact]
    public void A_vault_is_refused_for_a_key_that_is_not_secret_a_workspace_or_a_vault_that_is_not_registered()
    {
        Assert.Equal(ErrorIds.ConfigVaultNotApplicable,
            Assert.Throws<MsgcodeException>(() => SecretStore.DestinationFor(ConfigSchema.Find("lmstudio.model")!, workspace: false, vault: "Personal")).ErrorId);
        Assert.Equal(ErrorIds.ConfigVaultNotApplicable, Assert.Throws<MsgcodeException>(() => SecretStore.DestinationFor(ApiKey, workspace: true, vault: "Personal")).ErrorId);
        Assert.Equal(ErrorIds.SecretVaultNotFound, Assert.Throws<MsgcodeException>(() => SecretStore.DestinationFor(ApiKey, workspace: false, vault: "Personal")).ErrorId);
        SecretVaults.Use(new MemoryVault());
        Assert.Equal(ErrorIds.SecretVaultNotFound, Assert.Throws<MsgcodeException>(() => SecretStore.DestinationFor(ApiKey, workspace: false, vault: "Nope")).ErrorId);
        Assert.Null(SecretStore.DestinationFor(ApiKey, workspace: false, vault: null));
    }

    [Fact]
    public void A_workspace_file_cannot_point_at_the_users_secret()
    {
        var sources = Sources();
        ConfigStore.Set(sources, ApiKey, Secret, workspace: false);
        var ws = _dir.File("ws");
        Directory.CreateDirectory(Path.Combine(ws, ".msgcode"));
        File.WriteAllText(Path.Combine(ws, ".msgcode", "config.json"), "{\"lmstudio.apiKey\":{\"secretName\":\"msgcode.lmstudio.apiKey\"}}");
        var entry = ConfigResolver.Resolve(new ConfigSources(sources.Home, ws, new Dictionary<string, string>()))["lmstudio.apiKey"];
        Assert.Equal(nameof(ConfigLayer.State), entry.Source);
        Assert.Contains(entry.Problems, p => p.StartsWith(ErrorIds.ConfigValueInvalid, StringComparison.Ordinal));
    }

    private sealed class MemoryVault : ISecretVault
    {
        public Dictionary<(string, string), string> Secrets { get; } = [];

        public string? Default { get; init; }

        public bool Locked { get; set; }

        public bool Broken { get; set; }

        public bool IsInstalled => true;

        public string? DefaultVault() => Default;

        public bool Exists(string vault) => vault == Default;

        public void Set(string vault, string name, string value)
        {
            Check(vault);
            Secrets[(vault, name)] = value;
        }

        public string Get(string vault, string name)
        {
            Check(vault);
            return Secrets.TryGetValue((vault, name), out var value) ? value : throw new MsgcodeException(ErrorIds.SecretNotFound, MsgcodeErrorCategory.ObjectNotFound, name, "not found");
        }

        public void Remove(string vault, string name)
        {
            Check(vault);
            Secrets.Remove((vault, name));
        }

        private void Check(string vault)
        {
            if (Locked)
            {
                throw new MsgcodeException(ErrorIds.SecretVaultLocked, MsgcodeErrorCategory.PermissionDenied, vault, "locked");
            }

            if (Broken)
            {
                throw new MsgcodeException(ErrorIds.SecretVaultFailed, MsgcodeErrorCategory.InvalidOperation, vault, "broken");
            }
        }
    }
}
