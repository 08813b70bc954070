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
            ms = (ms << 5) | (long)Ulid.Alphabet.IndexOf(c);
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    private static string Shorten(string? text) => text is null ? string.Empty : text.Length <= 40 ? text : text[..37] + "...";
}
