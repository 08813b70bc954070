using System.Text;
using System.Text.RegularExpressions;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Config;

/// <summary>
/// Reads <c>KEY=VALUE</c> files the way dotenv users expect: comments, blank lines, an optional
/// <c>export</c> prefix, single quotes (literal), double quotes (\n, \t, \", \\ escapes), inline
/// <c> #</c> comments after unquoted values; a later assignment wins. A line that is none of these is
/// reported with its number and skipped; the rest of the file still counts.
/// </summary>
public static partial class EnvFileParser
{
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    public static IReadOnlyList<EnvFileEntry> Parse(string text, string path, List<ConfigIssue> issues)
    {
        var result = new List<EnvFileEntry>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var line = lines[i].TrimEnd('\r');
            if (i == 0 && line.Length > 0 && line[0] == '\uFEFF')
            {
                line = line[1..];
            }

            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                continue;
            }

            if (trimmed.StartsWith("export ", StringComparison.Ordinal) || trimmed.StartsWith("export\t", StringComparison.Ordinal))
            {
                trimmed = trimmed[7..].TrimStart();
            }

            var eq = trimmed.IndexOf('=');
            if (eq <= 0)
            {
                issues.Add(Malformed(path, lineNumber, eq == 0 ? "the line has no name before '='" : "expected NAME=VALUE"));
                continue;
            }

            var name = trimmed[..eq].TrimEnd();
            if (!NamePattern().IsMatch(name))
            {
                issues.Add(Malformed(path, lineNumber, $"'{Shorten(name)}' is not a valid variable name"));
                continue;
            }

            if (!TryParseValue(trimmed[(eq + 1)..].TrimStart(), out var value, out var error))
            {
                issues.Add(Malformed(path, lineNumber, error));
                continue;
            }

            result.Add(new EnvFileEntry(name, value, lineNumber));
        }

        return result;
    }

    private static bool TryParseValue(string raw, out string value, out string error)
    {
        value = string.Empty;
        error = string.Empty;
        if (raw.Length == 0)
        {
            return true;
        }

        var quote = raw[0];
        if (quote is '\'' or '"')
        {
            var builder = new StringBuilder();
            for (var i = 1; i < raw.Length; i++)
            {
                var c = raw[i];
                if (c == quote)
                {
                    var rest = raw[(i + 1)..].Trim();
                    if (rest.Length > 0 && rest[0] != '#')
                    {
                        error = "unexpected text after the closing quote";
                        return false;
                    }

                    value = builder.ToString();
                    return true;
                }

                if (quote == '"' && c == '\\' && i + 1 < raw.Length)
                {
                    i++;
                    builder.Append(raw[i] switch
                    {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        _ => raw[i],
                    });
                    continue;
                }

                builder.Append(c);
            }

            error = $"the value's opening {quote} is never closed (quoted values must stay on one line)";
            return false;
        }

        var comment = raw.IndexOf(" #", StringComparison.Ordinal);
        var tab = raw.IndexOf("\t#", StringComparison.Ordinal);
        if (tab >= 0 && (comment < 0 || tab < comment))
        {
            comment = tab;
        }

        value = (comment >= 0 ? raw[..comment] : raw).Trim();
        return true;
    }

    private static ConfigIssue Malformed(string path, int line, string message) => new()
    {
        ErrorId = ErrorIds.ConfigEnvLineMalformed,
        Layer = nameof(ConfigLayer.EnvFile),
        Path = path,
        Line = line,
        Message = $"{message}. The line is ignored; write it as NAME=VALUE.",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
