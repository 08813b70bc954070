using System.Xml.Linq;

namespace Msgcode.HelpBuilder.Tests;

public sealed class HelpBuilderTests : IDisposable
{
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "msgcode-help-" + Guid.NewGuid().ToString("N")[..8]);

    public HelpBuilderTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "help"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private const string Page = """
        ---
        external help file: Msgcode.PowerShell.dll-Help.xml
        Module Name: Msgcode
        online version:
        schema: 2.0.0
        ---

        # Get-Thing

        ## SYNOPSIS
        Gets **things**.

        ## SYNTAX

        ### ByName (Default)
        ```
        Get-Thing [[-Name] <String[]>] [<CommonParameters>]
        ```

        ### ById
        ```
        Get-Thing -Id <Int32> [-Force] [<CommonParameters>]
        ```

        ## DESCRIPTION
        First paragraph with `code`.

        Second paragraph with a [link](https://example.com).

        ## EXAMPLES

        ### Example 1: All things
        ```powershell
        Get-Thing
        ```

        Lists every thing.

        ## PARAMETERS

        ### -Name
        Names to get.

        ```yaml
        Type: String[]
        Parameter Sets: ByName
        Aliases: N

        Required: False
        Position: 0
        Default value: None
        Accept pipeline input: True (ByPropertyName)
        Accept wildcard characters: True
        ```

        ### -Id
        The id.

        ```yaml
        Type: Int32
        Parameter Sets: ById
        Aliases:
        Accepted values: 1, 2

        Required: True
        Position: Named
        Default value: None
        Accept pipeline input: False
        Accept wildcard characters: False
        ```

        ### -Force
        Forces.

        ```yaml
        Type: SwitchParameter
        Parameter Sets: ById
        Aliases:

        Required: False
        Position: Named
        Default value: False
        Accept pipeline input: False
        Accept wildcard characters: False
        ```

        ### CommonParameters
        This cmdlet supports the common parameters.

        ## INPUTS

        ### System.String

        ## OUTPUTS

        ### Thing
        A thing.

        ## NOTES
        A note.

        ## RELATED LINKS

        [Set-Thing](Set-Thing.md)

        [Online](https://example.com/thing)
        """;

    private (int Code, string Out, string Err) Run(params (string Name, string Text)[] files)
    {
        foreach (var (name, text) in files)
        {
            File.WriteAllText(Path.Combine(_root, "help", name), text);
        }

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = HelpBuilderCli.Run(["--input", Path.Combine(_root, "help"), "--output", Path.Combine(_root, "out"), "--assembly", "Thing.dll"], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Converts_a_page_to_maml_with_names_sets_parameters_examples_and_links()
    {
        var (code, _, err) = Run(("Get-Thing.md", Page));
        Assert.True(code == 0, err);
        var doc = XDocument.Load(Path.Combine(_root, "out", "Thing.dll-Help.xml"));
        var command = Assert.Single(doc.Root!.Elements(Command + "command"));
        var details = command.Element(Command + "details")!;
        Assert.Equal("Get-Thing", details.Element(Command + "name")!.Value);
        Assert.Equal("Get", details.Element(Command + "verb")!.Value);
        Assert.Equal("Thing", details.Element(Command + "noun")!.Value);
        Assert.Equal("Gets things.", details.Element(Maml + "description")!.Value);
        Assert.Equal(["First paragraph with code.", "Second paragraph with a link."], command.Element(Maml + "description")!.Elements(Maml + "para").Select(p => p.Value));

        var syntax = command.Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();
        Assert.Equal(2, syntax.Count);
        Assert.Equal(["Name"], syntax[0].Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value));
        Assert.Equal(["Id", "Force"], syntax[1].Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value));
        Assert.Null(syntax[1].Elements(Command + "parameter").Last().Element(Command + "parameterValue")); // switches show no value in syntax
        Assert.Equal(["1", "2"], syntax[1].Elements(Command + "parameter").First().Element(Command + "parameterValueGroup")!.Elements().Select(e => e.Value));

        var name = command.Element(Command + "parameters")!.Elements(Command + "parameter").First();
        Assert.Equal("false", name.Attribute("required")!.Value);
        Assert.Equal("true", name.Attribute("variableLength")!.Value);
        Assert.Equal("true", name.Attribute("globbing")!.Value);
        Assert.Equal("True (ByPropertyName)", name.Attribute("pipelineInput")!.Value);
        Assert.Equal("0", name.Attribute("position")!.Value);
        Assert.Equal("N", name.Attribute("aliases")!.Value);
        Assert.Equal("String[]", name.Element(Dev + "type")!.Element(Maml + "name")!.Value);
        Assert.DoesNotContain(command.Element(Command + "parameters")!.Elements(), p => p.Element(Maml + "name")!.Value == "CommonParameters");

        var example = Assert.Single(command.Element(Command + "examples")!.Elements());
        Assert.Contains("Example 1: All things", example.Element(Maml + "title")!.Value, StringComparison.Ordinal);
        Assert.Equal("Get-Thing", example.Element(Dev + "code")!.Value);
        Assert.Equal("Lists every thing.", example.Element(Dev + "remarks")!.Value);

        Assert.Equal("System.String", command.Element(Command + "inputTypes")!.Descendants(Maml + "name").Single().Value);
        Assert.Equal("A note.", command.Element(Maml + "alertSet")!.Value);
        var links = command.Element(Command + "relatedLinks")!.Elements().ToList();
        Assert.Equal(["Set-Thing", "Online"], links.Select(l => l.Element(Maml + "linkText")!.Value));
        Assert.Equal("https://example.com/thing", links[1].Element(Maml + "uri")!.Value);
    }

    [Fact]
    public void Makes_the_online_version_the_first_related_link_so_Get_Help_Online_opens_it()
    {
        var page = Page.Replace("online version:\n", "online version: https://example.com/help/Get-Thing.md\n", StringComparison.Ordinal);
        var (code, _, err) = Run(("Get-Thing.md", page));
        Assert.True(code == 0, err);
        var doc = XDocument.Load(Path.Combine(_root, "out", "Thing.dll-Help.xml"));
        var links = doc.Root!.Element(Command + "command")!.Element(Command + "relatedLinks")!.Elements().ToList();
        Assert.Equal(["Online Version:", "Set-Thing", "Online"], links.Select(l => l.Element(Maml + "linkText")!.Value));
        Assert.Equal("https://example.com/help/Get-Thing.md", links[0].Element(Maml + "uri")!.Value);
    }

    [Fact]
    public void Converts_an_about_page_to_help_text()
    {
        var (code, _, err) = Run(("about_Thing.md", "# about_Thing\n\n## about_Thing\n\n# SHORT DESCRIPTION\nThings, explained.\n\n# LONG DESCRIPTION\nMore.\n\n    Get-Thing\n"));
        Assert.True(code == 0, err);
        var text = File.ReadAllText(Path.Combine(_root, "out", "about_Thing.help.txt"));
        Assert.StartsWith("TOPIC\n    about_thing", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("SHORT DESCRIPTION", text, StringComparison.Ordinal);
        Assert.Contains("    Things, explained.", text, StringComparison.Ordinal);
        Assert.Contains("        Get-Thing", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("## SYNOPSIS\nNo title.\n", 1, "Verb-Noun")]
    [InlineData("# Get-Thing\n\n## DESCRIPTION\nNo synopsis.\n", 1, "SYNOPSIS")]
    [InlineData("# Get-Thing\n\n## SYNOPSIS\nS.\n\n## PARAMETERS\n\n### -Name\nN.\n\n```yaml\nType: [unclosed\n```\n", 13, "not valid YAML")]
    [InlineData("# Get-Thing\n\n## SYNOPSIS\nS.\n\n## PARAMETERS\n\n### -Name\nN.\n", 1, "no ```yaml block")]
    public void Malformed_pages_fail_the_build_with_file_and_line(string text, int line, string message)
    {
        var (code, _, err) = Run(("Get-Thing.md", text));
        Assert.Equal(1, code);
        Assert.Contains($"Get-Thing.md:{line}: ", err, StringComparison.Ordinal);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_page_named_differently_from_its_cmdlet_fails()
    {
        var (code, _, err) = Run(("Get-Other.md", Page));
        Assert.Equal(1, code);
        Assert.Contains("Get-Other.md:1:", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        var stderr = new StringWriter();
        Assert.Equal(2, HelpBuilderCli.Run(["--input"], TextWriter.Null, stderr));
        Assert.Equal(2, HelpBuilderCli.Run(["--bogus", "x"], TextWriter.Null, stderr));
        Assert.Equal(2, HelpBuilderCli.Run(["--input", "/nonexistent-folder", "--output", "o", "--assembly", "a"], TextWriter.Null, stderr));
    }
}
