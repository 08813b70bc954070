namespace Msgcode.Core.Runners;

/// <summary>Takes secret values out of text before it reaches an artifact, a ledger, a log or a screen.</summary>
public static class Redaction
{
    public static string Redact(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
        {
            if (secret.Length >= 4)
            {
                text = text.Replace(secret, Config.ConfigKey.Redacted, StringComparison.Ordinal);
            }
        }

        return text;
    }
}
