using System.Text;
using System.Xml;

namespace Msgcode.HelpBuilder;

/// <summary>Writes the MAML that Get-Help reads: the element layout PlatyPS's MAML renderer produces.</summary>
internal static class MamlWriter
{
    private const string Msh = "http://msh";
    private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
    private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private const string MsHelp = "http://msdn.microsoft.com/mshelp";

    public static string Write(IEnumerable<CommandHelp> commands)
    {
        var builder = new StringBuilder();
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new UTF8Encoding(false), OmitXmlDeclaration = false };
        using (var writer = XmlWriter.Create(new StringWriterUtf8(builder), settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("helpItems", Msh);
            writer.WriteAttributeString("schema", "maml");
            foreach (var command in commands.OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase))
            {
                WriteCommand(writer, command);
            }

            writer.WriteEndElement();
            writer.WriteEndDocument();
        }

        return builder.ToString();
    }

    private static void WriteCommand(XmlWriter w, CommandHelp c)
    {
        w.WriteStartElement("command", "command", Command);
        w.WriteAttributeString("xmlns", "maml", null, Maml);
        w.WriteAttributeString("xmlns", "command", null, Command);
        w.WriteAttributeString("xmlns", "dev", null, Dev);
        w.WriteAttributeString("xmlns", "MSHelp", null, MsHelp);

        w.WriteStartElement("command", "details", Command);
        w.WriteElementString("command", "name", Command, c.Name);
        w.WriteElementString("command", "verb", Command, c.Verb);
        w.WriteElementString("command", "noun", Command, c.Noun);
        Paras(w, "description", [c.Synopsis]);
        w.WriteEndElement();

        Paras(w, "description", c.Description);

        w.WriteStartElement("command", "syntax", Command);
        foreach (var set in c.ParameterSets)
        {
            w.WriteStartElement("command", "syntaxItem", Command);
            w.WriteElementString("maml", "name", Maml, c.Name);
            foreach (var parameter in c.Parameters.Where(p => set == "__AllParameterSets" || p.InSet(set)).OrderBy(Order))
            {
                Parameter(w, parameter, set, inSyntax: true);
            }

            w.WriteEndElement();
        }

        w.WriteEndElement();

        w.WriteStartElement("command", "parameters", Command);
        foreach (var parameter in c.Parameters)
        {
            Parameter(w, parameter, null, inSyntax: false);
        }

        w.WriteEndElement();

        Types(w, "inputTypes", "inputType", c.Inputs);
        Types(w, "returnValues", "returnValue", c.Outputs);

        w.WriteStartElement("maml", "alertSet", Maml);
        w.WriteStartElement("maml", "alert", Maml);
        foreach (var note in c.Notes)
        {
            w.WriteElementString("maml", "para", Maml, note);
        }

        w.WriteEndElement();
        w.WriteEndElement();

        w.WriteStartElement("command", "examples", Command);
        foreach (var example in c.Examples)
        {
            w.WriteStartElement("command", "example", Command);
            w.WriteElementString("maml", "title", Maml, $"-------------------------- {example.Title} --------------------------");
            w.WriteElementString("dev", "code", Dev, string.Join("\n", example.Code));
            w.WriteStartElement("dev", "remarks", Dev);
            foreach (var remark in example.Remarks)
            {
                w.WriteElementString("maml", "para", Maml, remark);
            }

            w.WriteEndElement();
            w.WriteEndElement();
        }

        w.WriteEndElement();

        w.WriteStartElement("command", "relatedLinks", Command);
        foreach (var link in c.RelatedLinks)
        {
            w.WriteStartElement("maml", "navigationLink", Maml);
            w.WriteElementString("maml", "linkText", Maml, link.Text);
            // A page of this folder (Set-Thing.md) is no address; an absolute one (the online version) is kept, .md or not.
            var local = link.Uri.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && !Uri.IsWellFormedUriString(link.Uri, UriKind.Absolute);
            w.WriteElementString("maml", "uri", Maml, local ? string.Empty : link.Uri);
            w.WriteEndElement();
        }

        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static (int, string) Order(ParameterHelp p)
        => (int.TryParse(p.Position, out var position) ? position : int.MaxValue, string.Empty);

    private static void Parameter(XmlWriter w, ParameterHelp p, string? set, bool inSyntax)
    {
        var required = set is null ? p.Required : p.RequiredIn(set);
        w.WriteStartElement("command", "parameter", Command);
        w.WriteAttributeString("required", required ? "true" : "false");
        w.WriteAttributeString("variableLength", p.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false");
        w.WriteAttributeString("globbing", p.Globbing ? "true" : "false");
        w.WriteAttributeString("pipelineInput", p.PipelineInput);
        w.WriteAttributeString("position", p.Position.ToLowerInvariant());
        w.WriteAttributeString("aliases", p.Aliases);
        w.WriteElementString("maml", "name", Maml, p.Name);
        w.WriteStartElement("maml", "description", Maml);
        foreach (var para in p.Description)
        {
            w.WriteElementString("maml", "para", Maml, para);
        }

        w.WriteEndElement();
        if (inSyntax && p.AcceptedValues.Count > 0)
        {
            w.WriteStartElement("command", "parameterValueGroup", Command);
            foreach (var value in p.AcceptedValues)
            {
                w.WriteStartElement("command", "parameterValue", Command);
                w.WriteAttributeString("required", "false");
                w.WriteAttributeString("variableLength", "false");
                w.WriteString(value);
                w.WriteEndElement();
            }

            w.WriteEndElement();
        }

        if (!inSyntax || !p.IsSwitch)
        {
            w.WriteStartElement("command", "parameterValue", Command);
            w.WriteAttributeString("required", p.IsSwitch ? "false" : "true");
            w.WriteAttributeString("variableLength", "false");
            w.WriteString(p.Type);
            w.WriteEndElement();
        }

        w.WriteStartElement("dev", "type", Dev);
        w.WriteElementString("maml", "name", Maml, p.Type);
        w.WriteElementString("maml", "uri", Maml, string.Empty);
        w.WriteEndElement();
        w.WriteElementString("dev", "defaultValue", Dev, p.DefaultValue);
        w.WriteEndElement();
    }

    private static void Types(XmlWriter w, string container, string item, List<TypeHelp> types)
    {
        w.WriteStartElement("command", container, Command);
        foreach (var type in types)
        {
            w.WriteStartElement("command", item, Command);
            w.WriteStartElement("dev", "type", Dev);
            w.WriteElementString("maml", "name", Maml, type.Name);
            w.WriteEndElement();
            Paras(w, "description", type.Description);
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }

    private static void Paras(XmlWriter w, string element, IEnumerable<string> paragraphs)
    {
        w.WriteStartElement("maml", element, Maml);
        foreach (var para in paragraphs)
        {
            w.WriteElementString("maml", "para", Maml, para);
        }

        w.WriteEndElement();
    }

    private sealed class StringWriterUtf8(StringBuilder builder) : StringWriter(builder)
    {
        public override Encoding Encoding => new UTF8Encoding(false);
    }
}
