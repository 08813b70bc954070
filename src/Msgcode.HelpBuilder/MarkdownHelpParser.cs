using System.Text;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Msgcode.HelpBuilder;

/// <summary>
/// Reads a cmdlet help page in PlatyPS's markdown schema 2.0.0 with Markdig (CommonMark) and YamlDotNet,
/// so the build does not depend on a hand-written markdown or YAML parser.
/// </summary>
internal static class MarkdownHelpParser
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();

    private static readonly IDeserializer Yaml = new DeserializerBuilder().Build();

    public static CommandHelp Parse(string path, string text)
    {
        var document = Markdown.Parse(text, Pipeline);
        CommandHelp? help = null;
        string section = string.Empty;
        string? currentSet = null;
        ParameterHelp? parameter = null;
        ExampleHelp? example = null;
        TypeHelp? type = null;
        var skipParameter = false;
        var synopsisLine = 0;
        string? onlineVersion = null;

        foreach (var block in document)
        {
            var line = block.Line + 1;
            switch (block)
            {
                case YamlFrontMatterBlock front:
                    onlineVersion = OnlineVersion(front.Lines.ToString());
                    continue;
                case HeadingBlock heading when heading.Level == 1:
                    if (help is not null)
                    {
                        throw new HelpFormatException(path, line, "a help page describes one cmdlet: a second '# Name' heading was found");
                    }

                    var name = InlineText(heading.Inline).Trim();
                    if (!name.Contains('-'))
                    {
                        throw new HelpFormatException(path, line, $"the page's title '{name}' is not a Verb-Noun cmdlet name");
                    }

                    help = new CommandHelp { Name = name, SourcePath = path };
                    synopsisLine = line;
                    continue;
                case HeadingBlock when help is null:
                    throw new HelpFormatException(path, line, "the page must start with '# Verb-Noun' (the cmdlet's name)");
                case HeadingBlock heading when heading.Level == 2:
                    section = InlineText(heading.Inline).Trim().ToUpperInvariant();
                    parameter = null;
                    example = null;
                    type = null;
                    skipParameter = false;
                    continue;
                case HeadingBlock heading when heading.Level == 3:
                    var title = InlineText(heading.Inline).Trim();
                    switch (section)
                    {
                        case "SYNTAX":
                            currentSet = title.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase) ? title[..^"(Default)".Length].Trim() : title;
                            help!.ParameterSets.Add(currentSet);
                            break;
                        case "EXAMPLES":
                            example = new ExampleHelp { Title = title };
                            help!.Examples.Add(example);
                            break;
                        case "PARAMETERS":
                            if (string.Equals(title, "CommonParameters", StringComparison.OrdinalIgnoreCase))
                            {
                                parameter = null;
                                skipParameter = true;
                                break;
                            }

                            if (!title.StartsWith('-'))
                            {
                                throw new HelpFormatException(path, line, $"a parameter heading must be '### -Name', found '### {title}'");
                            }

                            skipParameter = false;
                            parameter = new ParameterHelp { Name = title.TrimStart('-').Split(' ')[0] };
                            help!.Parameters.Add(parameter);
                            break;
                        case "INPUTS":
                            type = new TypeHelp { Name = title };
                            help!.Inputs.Add(type);
                            break;
                        case "OUTPUTS":
                            type = new TypeHelp { Name = title };
                            help!.Outputs.Add(type);
                            break;
                    }

                    continue;
                case FencedCodeBlock code:
                    var codeLines = code.Lines.Lines.Take(code.Lines.Count).Select(l => l.ToString()).ToList();
                    switch (section)
                    {
                        case "SYNTAX":
                            if (currentSet is null)
                            {
                                currentSet = "__AllParameterSets";
                                help!.ParameterSets.Add(currentSet);
                            }

                            break;
                        case "EXAMPLES" when example is not null:
                            example.Code.AddRange(codeLines);
                            break;
                        case "PARAMETERS" when parameter is not null && IsYaml(code):
                            ApplyYaml(path, line, parameter, string.Join("\n", codeLines));
                            break;
                        case "PARAMETERS" when skipParameter:
                            break;
                        default:
                            Target(help!, section, parameter, example, type)?.AddRange(codeLines.Select(l => "    " + l));
                            break;
                    }

                    continue;
                case ParagraphBlock paragraph:
                    var paragraphText = InlineText(paragraph.Inline).Trim();
                    if (section == "RELATED LINKS")
                    {
                        foreach (var link in Links(paragraph.Inline))
                        {
                            help!.RelatedLinks.Add(link);
                        }

                        continue;
                    }

                    if (section == "SYNOPSIS")
                    {
                        help!.Synopsis = help.Synopsis.Length == 0 ? paragraphText : help.Synopsis + " " + paragraphText;
                        continue;
                    }

                    if (section == "PARAMETERS" && skipParameter)
                    {
                        continue;
                    }

                    Target(help!, section, parameter, example, type)?.Add(paragraphText);
                    continue;
                case ListBlock list:
                    var items = ListItems(list).ToList();
                    Target(help!, section, parameter, example, type)?.AddRange(items);
                    continue;
                case ThematicBreakBlock:
                case LinkReferenceDefinitionGroup:
                    continue;
                default:
                    if (block is LeafBlock leaf && leaf.Lines.Count > 0)
                    {
                        Target(help!, section, parameter, example, type)?.Add(leaf.Lines.ToString().Trim());
                    }

                    continue;
            }
        }

        if (help is null)
        {
            throw new HelpFormatException(path, 1, "the page has no '# Verb-Noun' title");
        }

        if (string.IsNullOrWhiteSpace(help.Synopsis))
        {
            throw new HelpFormatException(path, synopsisLine, "the page has no '## SYNOPSIS' text");
        }

        foreach (var p in help.Parameters.Where(p => !p.Seen))
        {
            throw new HelpFormatException(path, synopsisLine, $"parameter -{p.Name} has no ```yaml block (Type, Parameter Sets, Required, Position, ...)");
        }

        if (help.ParameterSets.Count == 0)
        {
            help.ParameterSets.Add("__AllParameterSets");
        }

        if (onlineVersion is not null)
        {
            // What Get-Help -Online opens: the first related link with a URI (PlatyPS's own place for it).
            help.RelatedLinks.Insert(0, new LinkHelp("Online Version:", onlineVersion));
        }

        return help;
    }

    /// <summary>The front matter's <c>online version:</c> URL, or null when it has none.</summary>
    private static string? OnlineVersion(string frontMatter)
    {
        foreach (var line in frontMatter.Split('\n'))
        {
            var text = line.Trim();
            if (text.StartsWith("online version:", StringComparison.OrdinalIgnoreCase))
            {
                var value = text["online version:".Length..].Trim();
                return value.Length > 0 ? value : null;
            }
        }

        return null;
    }

    private static List<string>? Target(CommandHelp help, string section, ParameterHelp? parameter, ExampleHelp? example, TypeHelp? type) => section switch
    {
        "DESCRIPTION" => help.Description,
        "NOTES" => help.Notes,
        "PARAMETERS" => parameter?.Description,
        "EXAMPLES" => example?.Remarks,
        "INPUTS" or "OUTPUTS" => type?.Description,
        _ => null,
    };

    private static bool IsYaml(FencedCodeBlock code) => string.Equals(code.Info, "yaml", StringComparison.OrdinalIgnoreCase);

    private static void ApplyYaml(string path, int line, ParameterHelp parameter, string yaml)
    {
        Dictionary<string, object?> values;
        try
        {
            values = Yaml.Deserialize<Dictionary<string, object?>>(yaml) ?? [];
        }
        catch (YamlException ex)
        {
            throw new HelpFormatException(path, line + (int)ex.Start.Line, $"the yaml block of -{parameter.Name} is not valid YAML: {ex.Message}");
        }

        string? Get(string key) => values.TryGetValue(key, out var v) ? v?.ToString()?.Trim() : null;

        var type = Get("Type");
        if (string.IsNullOrEmpty(type))
        {
            throw new HelpFormatException(path, line, $"the yaml block of -{parameter.Name} has no 'Type'");
        }

        var sets = (Get("Parameter Sets") ?? "(All)").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(s => s != "(All)").ToList();
        var required = string.Equals(Get("Required"), "True", StringComparison.OrdinalIgnoreCase);
        if (!parameter.Seen)
        {
            parameter.Type = type;
            parameter.Aliases = string.IsNullOrEmpty(Get("Aliases")) ? "none" : Get("Aliases")!;
            parameter.Position = (Get("Position") ?? "Named").ToLowerInvariant();
            parameter.DefaultValue = Get("Default value") ?? "None";
            parameter.PipelineInput = Get("Accept pipeline input") ?? "False";
            parameter.Globbing = string.Equals(Get("Accept wildcard characters"), "True", StringComparison.OrdinalIgnoreCase);
            parameter.Required = required;
            var accepted = Get("Accepted values");
            if (!string.IsNullOrEmpty(accepted))
            {
                parameter.AcceptedValues.AddRange(accepted.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }

            parameter.Seen = true;
        }
        else
        {
            // PlatyPS repeats the block when a parameter differs between sets (e.g. Required in one only).
            parameter.Required |= required;
        }

        parameter.Sets.AddRange(sets.Where(s => !parameter.Sets.Contains(s, StringComparer.OrdinalIgnoreCase)));
        foreach (var set in sets)
        {
            parameter.RequiredBySet[set] = required;
        }
    }

    private static IEnumerable<string> ListItems(ListBlock list)
    {
        foreach (var item in list.OfType<ListItemBlock>())
        {
            var text = string.Join(" ", item.OfType<ParagraphBlock>().Select(p => InlineText(p.Inline).Trim()));
            yield return (list.IsOrdered ? "* " : "- ") + text;
        }
    }

    private static IEnumerable<LinkHelp> Links(ContainerInline? inline)
    {
        if (inline is null)
        {
            yield break;
        }

        foreach (var child in inline.Descendants<LinkInline>())
        {
            yield return new LinkHelp(InlineText(child).Trim(), child.Url ?? string.Empty);
        }
    }

    /// <summary>The plain text of inline markdown: emphasis dropped, code spans and link texts kept.</summary>
    internal static string InlineText(ContainerInline? container)
    {
        var builder = new StringBuilder();
        Append(builder, container);
        return builder.ToString();
    }

    private static void Append(StringBuilder builder, Inline? inline)
    {
        switch (inline)
        {
            case null:
                return;
            case LiteralInline literal:
                builder.Append(literal.Content.ToString());
                return;
            case CodeInline code:
                builder.Append(code.Content);
                return;
            case LineBreakInline lineBreak:
                builder.Append(lineBreak.IsHard ? "\n" : " ");
                return;
            case AutolinkInline auto:
                builder.Append(auto.Url);
                return;
            case HtmlEntityInline entity:
                builder.Append(entity.Transcoded.ToString());
                return;
            case HtmlInline:
                return;
            case LinkInline link when link.FirstChild is null:
                builder.Append(link.Url);
                return;
            case ContainerInline container:
                for (var child = container.FirstChild; child is not null; child = child.NextSibling)
                {
                    Append(builder, child);
                }

                return;
        }
    }
}
