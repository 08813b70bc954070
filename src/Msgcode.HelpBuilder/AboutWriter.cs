using System.Text;
using Markdig;
using Markdig.Syntax;

namespace Msgcode.HelpBuilder;

/// <summary>
/// Turns an about_*.md page (PlatyPS's about schema) into the plain-text about_*.help.txt that
/// Get-Help about_Name prints: top-level headings in capitals at the margin, text indented by four
/// spaces and wrapped at 80 columns, code indented by eight.
/// </summary>
internal static class AboutWriter
{
    private const int Width = 80;

    public static string Write(string path, string text)
    {
        var document = Markdown.Parse(text, new MarkdownPipelineBuilder().UseYamlFrontMatter().Build());
        var output = new StringBuilder();
        string? topic = null;
        foreach (var block in document)
        {
            switch (block)
            {
                case HeadingBlock heading when topic is null && heading.Level == 1:
                    topic = MarkdownHelpParser.InlineText(heading.Inline).Trim();
                    if (!topic.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new HelpFormatException(path, block.Line + 1, $"an about page's title must be about_Name, found '{topic}'");
                    }

                    output.AppendLine("TOPIC").AppendLine("    " + topic.ToLowerInvariant()).AppendLine();
                    break;
                case HeadingBlock heading when heading.Level == 2 && string.Equals(MarkdownHelpParser.InlineText(heading.Inline).Trim(), topic, StringComparison.OrdinalIgnoreCase):
                    break; // PlatyPS repeats the topic name as a level-2 heading
                case HeadingBlock heading when heading.Level == 1:
                    output.AppendLine(MarkdownHelpParser.InlineText(heading.Inline).Trim().ToUpperInvariant());
                    break;
                case HeadingBlock heading:
                    output.AppendLine("  " + MarkdownHelpParser.InlineText(heading.Inline).Trim().ToUpperInvariant());
                    break;
                case ParagraphBlock paragraph:
                    Wrap(output, MarkdownHelpParser.InlineText(paragraph.Inline).Trim(), "    ");
                    output.AppendLine();
                    break;
                case ListBlock list:
                    foreach (var item in list.OfType<ListItemBlock>())
                    {
                        var itemText = string.Join(" ", item.OfType<ParagraphBlock>().Select(p => MarkdownHelpParser.InlineText(p.Inline).Trim()));
                        Wrap(output, "- " + itemText, "    ", "      ");
                    }

                    output.AppendLine();
                    break;
                case CodeBlock code:
                    foreach (var line in code.Lines.Lines.Take(code.Lines.Count))
                    {
                        output.AppendLine("        " + line.ToString());
                    }

                    output.AppendLine();
                    break;
            }
        }

        if (topic is null)
        {
            throw new HelpFormatException(path, 1, "an about page must start with '# about_Name'");
        }

        return output.ToString().TrimEnd() + Environment.NewLine;
    }

    private static void Wrap(StringBuilder output, string text, string indent, string? continuation = null)
    {
        foreach (var paragraphLine in text.Split('\n'))
        {
            var line = new StringBuilder(indent);
            foreach (var word in paragraphLine.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length + word.Length + 1 > Width && line.ToString().Trim().Length > 0)
                {
                    output.AppendLine(line.ToString().TrimEnd());
                    line.Clear().Append(continuation ?? indent);
                }

                line.Append(word).Append(' ');
            }

            output.AppendLine(line.ToString().TrimEnd());
        }
    }
}
