using System.Text.RegularExpressions;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Tasks;

/// <summary>
/// Task ids: <c>tsk_</c> + a <see cref="Ulid"/>: sortable by creation, unique across processes without
/// coordination, safe as a file name.
/// </summary>
public static partial class TaskId
{
    public const string Prefix = "tsk_";

    [GeneratedRegex("^tsk_[0-9a-hjkmnp-tv-z]{26}$", RegexOptions.CultureInvariant)]
    private static partial Regex FullPattern();

    [GeneratedRegex("^(tsk_)?[0-9a-hjkmnp-tv-z]{1,26}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrefixPattern();

    public static string New(TimeProvider? clock = null) => Prefix + Ulid.New(clock);

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
