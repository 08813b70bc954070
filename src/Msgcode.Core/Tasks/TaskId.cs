using System.Text.RegularExpressions;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Tasks;

/// <summary>
/// Task ids: <c>tsk_</c> + a <see cref="Ulid"/>: sortable by creation, unique across processes without
/// coordination, safe as a file name. A ULID begins with its time, so tasks made minutes apart share their first
/// dozen characters: people use the <see cref="Short"/> form instead, <c>tsk_</c> and the id's last
/// <see cref="ShortLength"/> characters (random, and different even for ids made in the same millisecond), which
/// tables show and every -Id takes, like an abbreviated git hash.
/// </summary>
public static partial class TaskId
{
    public const string Prefix = "tsk_";

    [GeneratedRegex("^tsk_[0-9a-hjkmnp-tv-z]{26}$", RegexOptions.CultureInvariant)]
    private static partial Regex FullPattern();

    [GeneratedRegex("^(tsk_)?[0-9a-hjkmnp-tv-z]{1,26}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixPattern();

    /// <summary>Characters of the id's end in its short form: 30 random bits, so two tasks of a workspace rarely share one.</summary>
    public const int ShortLength = 6;

    public static string New(TimeProvider? clock = null) => Prefix + Ulid.New(clock);

    /// <summary>The short form of a full id, such as <c>tsk_k7q2m9</c>: <c>tsk_</c> and its last characters.</summary>
    public static string Short(string id) => Prefix + id[^ShortLength..];

    /// <summary>
    /// Whether what a user typed (normalized by <see cref="NormalizePrefix"/>) names the full id <paramref name="id"/>:
    /// a beginning of the id, or a beginning of its short form.
    /// </summary>
    public static bool Matches(string id, string normalizedPrefix)
        => id.StartsWith(normalizedPrefix, StringComparison.Ordinal)
           || (normalizedPrefix.Length <= Prefix.Length + ShortLength && Short(id).StartsWith(normalizedPrefix, StringComparison.Ordinal));

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
                $"'{Shorten(input)}' is not a task id: {WhyNot(text)}. Ids look like tsk_01jd3k... (digits and letters except i, l, o and u); Get-MsgcodeTask lists them.");
        }

        return text.StartsWith(Prefix, StringComparison.Ordinal) ? text : Prefix + text;
    }

    /// <summary>The creation time encoded in an id.</summary>
    public static DateTimeOffset CreatedAt(string id)
    {
        long ms = 0;
        foreach (var c in id.AsSpan(Prefix.Length, 10))
        {
            ms = (ms << 5) | (long)Ulid.Alphabet.IndexOf(c);
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    /// <summary>What is wrong with a text <see cref="PrefixPattern"/> refused (lower case), in words: the alphabet leaves out letters people expect.</summary>
    private static string WhyNot(string text)
    {
        var body = text.StartsWith(Prefix, StringComparison.Ordinal) ? text[Prefix.Length..] : text;
        if (body.Length == 0)
        {
            return "it is empty";
        }

        if (body.FirstOrDefault(c => !Ulid.Alphabet.Contains(c)) is var bad and not '\0')
        {
            return bad is 'i' or 'l' or 'o' or 'u' ? $"it has '{bad}', a letter ids never use" : $"it has '{bad}', which no id has";
        }

        return $"it has {body.Length} characters after tsk_, and ids have 26";
    }

    private static string Shorten(string? text) => text is null ? string.Empty : text.Length <= 40 ? text : text[..37] + "...";
}
