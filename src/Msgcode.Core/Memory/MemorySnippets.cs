using System.Text;

namespace Msgcode.Core.Memory;

/// <summary>The snippet a search hit shows: a stretch of the note's text, on one line, around the first query word found in it.</summary>
internal static class MemorySnippets
{
    private const int SnippetRadius = 80;

    /// <summary>Words of a query worth locating in a hit's text for its snippet, longest first.</summary>
    public static List<string> Words(string query)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var c in query + " ")
        {
            if (char.IsLetterOrDigit(c))
            {
                current.Append(c);
                continue;
            }

            if (current.Length > 0)
            {
                var word = current.ToString();
                if (word is not ("AND" or "OR" or "NOT"))
                {
                    words.Add(word);
                }

                current.Clear();
            }
        }

        return words.Distinct(StringComparer.OrdinalIgnoreCase).OrderByDescending(w => w.Length).ToList();
    }

    public static string Of(string text, List<string> words)
    {
        var flat = OneLine(text);
        if (flat.Length <= 2 * SnippetRadius)
        {
            return flat;
        }

        var at = -1;
        foreach (var word in words)
        {
            at = flat.IndexOf(word, StringComparison.OrdinalIgnoreCase);
            if (at < 0 && word.Length > 2 && word.Any(IsCjk))
            {
                at = flat.IndexOf(word[..2], StringComparison.Ordinal);
            }

            if (at >= 0)
            {
                break;
            }
        }

        var start = Math.Max(0, (at < 0 ? 0 : at) - SnippetRadius / 2);
        var length = Math.Min(flat.Length - start, 2 * SnippetRadius);
        var snippet = flat.Substring(start, length).Trim();
        return (start > 0 ? "…" : string.Empty) + snippet + (start + length < flat.Length ? "…" : string.Empty);
    }

    private static bool IsCjk(char c) => c is >= '\u3040' and <= '\u30ff' or >= '\u3400' and <= '\u9fff' or >= '\uac00' and <= '\ud7af' or >= '\uf900' and <= '\ufaff';

    public static string OneLine(string text)
    {
        var flat = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = flat.Length > 0;
                continue;
            }

            if (space)
            {
                flat.Append(' ');
                space = false;
            }

            flat.Append(c);
        }

        return flat.ToString();
    }
}
