using System.Security.Cryptography;
using System.Text;

namespace Msgcode.Core.Logging;

/// <summary>
/// What logs and ledgers keep of a message, prompt or output instead of its text: its length and the
/// first 12 hex digits of its SHA-256 (the original msgcode's privacy rule).
/// </summary>
public readonly record struct TextDigest(int Length, string Sha)
{
    public const int ShaPrefixLength = 12;

    public static TextDigest Of(string? text)
    {
        text ??= string.Empty;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return new TextDigest(text.Length, Convert.ToHexString(hash).ToLowerInvariant()[..ShaPrefixLength]);
    }

    public override string ToString() => $"len={Length} sha={Sha}";
}
