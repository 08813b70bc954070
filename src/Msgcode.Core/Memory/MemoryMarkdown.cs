using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Msgcode.Core.Memory;

/// <summary>
/// The format of a memory file, for people first: a <c># Memory YYYY-MM-DD</c> title, then one
/// <c>## HH:mm:ss · #tag #tag · via source</c> section per note. Reading is lenient, because people
/// edit these files: any level-2 heading starts a note, text before the first heading is a note of its
/// own, headings inside code fences are text, and nothing a person can write makes reading fail.
/// </summary>
internal static partial class MemoryMarkdown
{
    public const string Separator = " · ";

    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})\.md$", RegexOptions.CultureInvariant)]
    private static partial Regex DayFileName();

    [GeneratedRegex(@"^##(?!#)(?:[ \t]+(?<heading>.*?))?[ \t#]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NoteHeading();

    [GeneratedRegex(@"^(?<time>\d{1,2}:\d{2}(?::\d{2})?)(?=$|\s|·)", RegexOptions.CultureInvariant)]
    private static partial Regex LeadingTime();

    [GeneratedRegex(@"(?<=^|\s)#(?<tag>[^\s#·]+)", RegexOptions.CultureInvariant)]
    private static partial Regex TagToken();

    [GeneratedRegex(@"^[ ]{0,3}(?:#{1,6}(?:[ \t]|$)|```|~~~)", RegexOptions.CultureInvariant)]
    private static partial Regex NeedsEscape();

    [GeneratedRegex(@"^\\(?=[ ]{0,3}(?:#{1,6}(?:[ \t]|$)|```|~~~))", RegexOptions.CultureInvariant)]
    private static partial Regex Escaped();

    [GeneratedRegex(@"^[ ]{0,3}(?:```|~~~)", RegexOptions.CultureInvariant)]
    private static partial Regex Fence();

    [GeneratedRegex(@"^[\p{L}\p{N}_\-./+]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^tsk_[0-9a-z]{4,60}$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex TaskIdSource();

    /// <summary>
    /// The task a note is about: its source when that is a task id (<c>via tsk_…</c>, as Add-MsgcodeMemory -TaskId writes
    /// it), so that notes pipe into the task cmdlets by their TaskId like runs and worktrees do. Only the shape is checked
    /// here (memory sits below tasks): whether the task still exists is the task cmdlets' to say.
    /// </summary>
    public static string? TaskIdOf(string? source) => source is not null && TaskIdSource().IsMatch(source) ? source.ToLowerInvariant() : null;

    /// <summary>The day of a memory file's name (<c>2026-11-25.md</c>), or null for any other file.</summary>
    public static DateOnly? DateOf(string fileName)
    {
        var match = DayFileName().Match(fileName);
        return match.Success && DateOnly.TryParseExact(match.Groups["date"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : null;
    }

    public static string FileNameFor(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ".md";

    public static bool IsValidTag(string tag) => TagPattern().IsMatch(tag);

    public static string Title(DateOnly date) => $"# Memory {date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}\n";

    public static string Heading(TimeOnly time, IReadOnlyList<string> tags, string? source)
    {
        var heading = new StringBuilder(time.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        if (tags.Count > 0)
        {
            heading.Append(Separator).Append(string.Join(' ', tags.Select(t => "#" + t)));
        }

        if (source is not null)
        {
            heading.Append(Separator).Append("via ").Append(source);
        }

        return heading.ToString();
    }

    /// <summary>
    /// The note's body as written to the file: lines that markdown would read as a heading or a code fence
    /// are escaped with a backslash, so no note can start another note or swallow the ones after it.
    /// </summary>
    public static string EscapeBody(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (NeedsEscape().IsMatch(lines[i]))
            {
                lines[i] = "\\" + lines[i];
            }
        }

        return string.Join('\n', lines);
    }

    /// <summary>Whether a file's text ends inside an unclosed code fence (a hand edit), which would hide what follows.</summary>
    public static bool EndsInsideFence(string content)
    {
        var inFence = false;
        foreach (var line in content.Split('\n'))
        {
            if (Fence().IsMatch(line))
            {
                inFence = !inFence;
            }
        }

        return inFence;
    }

    /// <summary>Reads every note of a memory file's text. Never throws for any input.</summary>
    public static List<ParsedNote> Parse(string content)
    {
        var notes = new List<ParsedNote>();
        var lines = content.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        string? heading = null;
        var headingLine = 0;
        var hasHeading = false;
        var body = new List<string>();
        var firstBodyLine = 0;
        var inFence = false;

        void Flush()
        {
            var text = JoinBody(body);
            if (hasHeading ? (text.Length > 0 || !string.IsNullOrWhiteSpace(heading)) : text.Length > 0)
            {
                notes.Add(Describe(heading, hasHeading ? headingLine : firstBodyLine, text));
            }
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (Fence().IsMatch(line))
            {
                inFence = !inFence;
            }
            else if (!inFence)
            {
                var match = NoteHeading().Match(line);
                if (match.Success)
                {
                    Flush();
                    heading = match.Groups["heading"].Value.Trim();
                    hasHeading = true;
                    headingLine = i + 1;
                    body.Clear();
                    continue;
                }

                if (!hasHeading && body.Count == 0 && line.StartsWith("# ", StringComparison.Ordinal))
                {
                    continue; // the file's title
                }
            }

            if (body.Count == 0 && string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (body.Count == 0)
            {
                firstBodyLine = i + 1;
            }

            body.Add(line);
        }

        Flush();
        return notes;
    }

    private static string JoinBody(List<string> body)
    {
        var end = body.Count;
        while (end > 0 && string.IsNullOrWhiteSpace(body[end - 1]))
        {
            end--;
        }

        var text = new StringBuilder();
        for (var i = 0; i < end; i++)
        {
            if (i > 0)
            {
                text.Append('\n');
            }

            text.Append(Escaped().Replace(body[i].TrimEnd(), string.Empty));
        }

        return text.ToString();
    }

    private static ParsedNote Describe(string? heading, int line, string text)
    {
        TimeOnly? time = null;
        var tags = new List<string>();
        string? source = null;
        if (!string.IsNullOrEmpty(heading))
        {
            var timeMatch = LeadingTime().Match(heading);
            if (timeMatch.Success && TimeOnly.TryParseExact(timeMatch.Groups["time"].Value, ["H:mm", "HH:mm", "H:mm:ss", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                time = parsed;
                foreach (var part in heading[timeMatch.Length..].Split('·', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (part.StartsWith("via ", StringComparison.Ordinal))
                    {
                        source = part[4..].Trim();
                        continue;
                    }

                    foreach (Match tag in TagToken().Matches(part))
                    {
                        tags.Add(tag.Groups["tag"].Value);
                    }
                }
            }
        }

        return new ParsedNote(heading, line, text, time, tags, string.IsNullOrEmpty(source) ? null : source);
    }
}

internal sealed record ParsedNote(string? Heading, int Line, string Text, TimeOnly? Time, IReadOnlyList<string> Tags, string? Source);
