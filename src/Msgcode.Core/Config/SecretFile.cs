using System.Text.Json;
using System.Text.Json.Nodes;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Config;

/// <summary>
/// msgcode's own store of secret settings, for when no SecretManagement vault is registered: <c>&lt;home&gt;/secrets.json</c>,
/// <c>{"version":1,"secrets":{"msgcode.lmstudio.apiKey":"..."}}</c>. Every write goes through the atomic-write primitive
/// with <see cref="AtomicWriteOptions.OwnerOnly"/>, so the temp file is created 0600 and there is no moment at which
/// another user could read the value; a file a person loosened is put back to 0600 by the next write.
/// Plain text readable by the user alone, as ssh keys are: the daemon reads it without PowerShell.
/// </summary>
public static class SecretFile
{
    private const string SecretsProperty = "secrets";

    /// <summary>Stores <paramref name="value"/> under <paramref name="name"/>; false when it already had exactly this value.</summary>
    public static bool Set(MsgcodeHome home, string name, string value) => Rewrite(home, secrets =>
    {
        if (secrets[name] is JsonValue old && old.TryGetValue<string>(out var text) && text == value)
        {
            return false;
        }

        secrets[name] = value;
        return true;
    });

    /// <summary>Removes <paramref name="name"/>; false when it was not there.</summary>
    public static bool Remove(MsgcodeHome home, string name)
        => File.Exists(home.SecretsFile) && Rewrite(home, secrets => secrets.Remove(name));

    /// <summary>Reads one secret for the resolver: never throws; a missing secret or an unreadable file is an issue.</summary>
    public static string? Read(MsgcodeHome home, string name, out ConfigIssue? issue)
    {
        issue = null;
        var path = home.SecretsFile;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true });
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty(SecretsProperty, out var secrets) && secrets.ValueKind == JsonValueKind.Object
                && secrets.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
        }
        catch (JsonException ex)
        {
            issue = Issue(ErrorIds.ConfigFileInvalidJson, path, $"The secrets file is not valid JSON ({ex.Message}); the secrets it holds are not used until it is repaired or set again.");
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            issue = Issue(ErrorIds.ConfigFileUnreadable, path, $"Cannot read the secrets file: {ex.Message} It should be yours and mode 0600 (chmod 600 '{path}').");
            return null;
        }

        issue = Issue(ErrorIds.SecretNotFound, path, $"state.json refers to the secret '{name}', which {path} does not hold. Set it again: Set-MsgcodeConfig <key> -SecureValue (Read-Host -AsSecureString).");
        return null;
    }

    private static ConfigIssue Issue(string errorId, string path, string message)
        => new() { ErrorId = errorId, Layer = nameof(ConfigLayer.State), Path = path, Message = message };

    private static bool Rewrite(MsgcodeHome home, Func<JsonObject, bool> change)
    {
        var path = home.SecretsFile;
        using (FileLock.For(path))
        {
            // A plain JSON object file: missing or empty yields a fresh object, a corrupt one is refused, never overwritten.
            var document = ConfigFile.LoadForRewrite(ConfigLayer.Default, path);
            document["version"] ??= 1;
            if (document[SecretsProperty] is not JsonObject secrets)
            {
                secrets = [];
                document[SecretsProperty] = secrets;
            }

            if (!change(secrets))
            {
                return false;
            }

            AtomicFile.WriteAllText(path, ConfigFile.Serialize(document), new AtomicWriteOptions { OwnerOnly = true });
            return true;
        }
    }
}
