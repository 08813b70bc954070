using System.Security.Cryptography;
using System.Text;

namespace Msgcode.Core.Service;

/// <summary>
/// A line in the unit file or plist with the sha256 of the rest of it, so that Install-MsgcodeService can tell a
/// file it wrote (any version: upgraded in place) from one edited by hand (reported, replaced only with -Force).
/// </summary>
public static class UnitFileStamp
{
    private const string Tag = "msgcode-sha256: ";

    /// <summary>Adds the stamp as the second line (after the comment or the XML declaration).</summary>
    public static string Stamp(string content, bool xml)
    {
        var split = content.IndexOf('\n', StringComparison.Ordinal) + 1;
        var hash = Hash(content);
        var line = xml ? $"<!-- {Tag}{hash} -->\n" : $"# {Tag}{hash}\n";
        return content[..split] + line + content[split..];
    }

    public static UnitFileOrigin Classify(string existing, string legacyMark)
    {
        var at = existing.IndexOf(Tag, StringComparison.Ordinal);
        if (at < 0)
        {
            return existing.Contains(legacyMark, StringComparison.Ordinal) ? UnitFileOrigin.OlderVersion : UnitFileOrigin.EditedByHand;
        }

        var lineStart = existing.LastIndexOf('\n', at) + 1;
        var lineEnd = existing.IndexOf('\n', at);
        if (lineEnd < 0)
        {
            return UnitFileOrigin.EditedByHand;
        }

        var recorded = existing[(at + Tag.Length)..lineEnd].Trim().Split(' ')[0];
        var rest = existing[..lineStart] + existing[(lineEnd + 1)..];
        return recorded == Hash(rest) ? UnitFileOrigin.Written : UnitFileOrigin.EditedByHand;
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
}
