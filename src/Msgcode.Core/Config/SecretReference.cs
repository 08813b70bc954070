using System.Text.Json;
using System.Text.Json.Nodes;

namespace Msgcode.Core.Config;

/// <summary>
/// What <c>state.json</c> holds for a secret setting in place of its value: the secret's name, and the
/// SecretManagement vault that keeps it, or no vault for msgcode's own 0600 secrets file
/// (<c>{"secretName":"msgcode.lmstudio.apiKey","vault":"LocalStore"}</c>).
/// </summary>
public sealed record SecretReference(string Name, string? Vault)
{
    public const string NameProperty = "secretName";
    public const string VaultProperty = "vault";

    /// <summary>The name a key's secret is kept under: <c>msgcode.</c> and the key's name.</summary>
    public static SecretReference For(ConfigKey key, string? vault) => new("msgcode." + key.Name, string.IsNullOrEmpty(vault) ? null : vault);

    /// <summary>Where the value is, for people: the secrets file, or <c>vault:&lt;vault&gt;/&lt;name&gt;</c>.</summary>
    public string Describe(MsgcodeHome home) => Vault is null ? home.SecretsFile : $"vault:{Vault}/{Name}";

    public JsonObject ToNode()
    {
        var node = new JsonObject { [NameProperty] = Name };
        if (Vault is not null)
        {
            node[VaultProperty] = Vault;
        }

        return node;
    }

    public static SecretReference? From(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty(NameProperty, out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(name.GetString()))
        {
            return null;
        }

        var vault = element.TryGetProperty(VaultProperty, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new SecretReference(name.GetString()!, string.IsNullOrEmpty(vault) ? null : vault);
    }

    public static SecretReference? From(JsonNode? node)
    {
        if (node is not JsonObject)
        {
            return null;
        }

        using var document = JsonDocument.Parse(node.ToJsonString());
        return From(document.RootElement);
    }
}
