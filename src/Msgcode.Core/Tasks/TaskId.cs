using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Tasks;

/// <summary>
/// Task ids: <c>tsk_</c> + a ULID in lower-case Crockford base32 (48-bit millisecond time, 80 random bits):
/// sortable by creation, unique across processes without coordination, safe as a file name.
/// </summary>
public static partial class TaskId
{
    public const string Prefix = "tsk_";
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private static readonly object Gate = new();
    private static long _lastMs = -1;
    private static readonly byte[] LastRandom = new byte[10];

    [GeneratedRegex("^tsk_[0-9a-hjkmnp-tv-z]{26}$", RegexOptions.CultureInvariant)]
    private static partial Regex FullPattern();

    [GeneratedRegex("^(tsk_)?[0-9a-hjkmnp-tv-z]{1,26}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixPattern();

    public static string New(TimeProvider? clock = null)
    {
        var ms = (clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        Span<byte> random = stackalloc byte[10];
        lock (Gate)
        {
            if (ms <= _lastMs)
            {
                // Same millisecond in this process: increment the random part so ids stay strictly increasing.
                ms = _lastMs;
                for (var i = 9; i >= 0; i--)
                {
                    if (++LastRandom[i] != 0)
                    {
                        break;
                    }
                }
            }
            else
            {
                RandomNumberGenerator.Fill(LastRandom);
                _lastMs = ms;
            }

            LastRandom.CopyTo(random);
        }

        Span<char> chars = stackalloc char[26];
        // 48-bit time: 10 chars
        for (var i = 9; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(ms & 31)];
            ms >>= 5;
        }

        // 80-bit randomness: 16 chars
        var bits = new System.Numerics.BigInteger(random, isUnsigned: true, isBigEndian: true);
        for (var i = 25; i >= 10; i--)
        {
            chars[i] = Alphabet[(int)(bits & 31)];
            bits >>= 5;
        }

        return Prefix + new string(chars);
    }

    public static bool IsValid(string? id) => id is not null && FullPattern().IsMatch(id);

    /// <summary>
    /// Normalizes what a user typed (a full id or a prefix, with or without <c>tsk_</c>, any case) or throws
    /// <see cref="ErrorIds.TaskIdInvalid"/>: path separators, dots and anything outside the alphabet are refused
    /// before an id ever becomes part of a path.
    /// </summary>
    public static string NormalizePrefix(string input)
    {
        var text = (input ?? string.Empty).Trim().ToLowerInvariant();
        if (!PrefixPattern().IsMatch(text))
        {
            throw new MsgcodeException(ErrorIds.TaskIdInvalid, MsgcodeErrorCategory.InvalidArgument, input,
                $"'{Shorten(input)}' is not a task id: ids look like tsk_01jd3k... (letters and digits only). Get-MsgcodeTask lists them.");
        }

        return text.StartsWith(Prefix, StringComparison.Ordinal) ? text : Prefix + text;
    }

    /// <summary>The creation time encoded in an id.</summary>
    public static DateTimeOffset CreatedAt(string id)
    {
        long ms = 0;
        foreach (var c in id.AsSpan(Prefix.Length, 10))
        {
            ms = (ms << 5) | (long)Alphabet.IndexOf(c);
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    private static string Shorten(string? text) => text is null ? string.Empty : text.Length <= 40 ? text : text[..37] + "...";
}
