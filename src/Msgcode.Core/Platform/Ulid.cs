using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Msgcode.Core.Platform;

/// <summary>
/// ULIDs in lower-case Crockford base32 (48-bit millisecond time, 80 random bits), the body of every msgcode id
/// (<c>tsk_</c>, <c>run_</c>, <c>job_</c>): sortable by creation, unique across processes without coordination,
/// safe as a file name. Strictly increasing within one process, also within one millisecond.
/// </summary>
public static partial class Ulid
{
    /// <summary>The characters of a ULID, in order of value.</summary>
    public const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>How many characters a ULID has.</summary>
    public const int Length = 26;

    private static readonly object Gate = new();
    private static long _lastMs = -1;
    private static readonly byte[] LastRandom = new byte[10];

    [GeneratedRegex("^[0-9a-hjkmnp-tv-z]{26}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>True when <paramref name="text"/> is a whole ULID in this alphabet (lower case).</summary>
    public static bool IsValid(ReadOnlySpan<char> text) => Pattern().IsMatch(text);

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

        Span<char> chars = stackalloc char[Length];
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

        return new string(chars);
    }
}
