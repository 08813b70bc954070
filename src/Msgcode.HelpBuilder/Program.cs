using System.Text;
using Msgcode.HelpBuilder;

// msgcode's help builder: help/*.md (PlatyPS schema 2.0.0) -> <output>/<assembly>-Help.xml (MAML) and
// about_*.help.txt. Exit codes: 0 success, 1 a malformed page (file:line: message on stderr), 2 usage.
return HelpBuilderCli.Run(args, Console.Out, Console.Error);

public static class HelpBuilderCli
{
    public const string Usage = "usage: Msgcode.HelpBuilder --input <help folder> --output <en-US folder> --assembly <CmdletAssembly.dll>";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? input = null, output = null, assembly = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (i + 1 >= args.Length)
            {
                stderr.WriteLine($"missing value for {args[i]}");
                stderr.WriteLine(Usage);
                return 2;
            }

            switch (args[i])
            {
                case "--input":
                    input = args[++i];
                    break;
                case "--output":
                    output = args[++i];
                    break;
                case "--assembly":
                    assembly = args[++i];
                    break;
                default:
                    stderr.WriteLine($"unknown argument '{args[i]}'");
                    stderr.WriteLine(Usage);
                    return 2;
            }
        }

        if (input is null || output is null || assembly is null)
        {
            stderr.WriteLine(Usage);
            return 2;
        }

        if (!Directory.Exists(input))
        {
            stderr.WriteLine($"{input}: the help folder does not exist");
            return 2;
        }

        var commands = new List<CommandHelp>();
        var abouts = new List<(string Name, string Text)>();
        var failed = false;
        foreach (var file in Directory.EnumerateFiles(input, "*.md").Order(StringComparer.Ordinal))
        {
            try
            {
                var text = File.ReadAllText(file);
                var name = Path.GetFileNameWithoutExtension(file);
                if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                {
                    abouts.Add((name, AboutWriter.Write(file, text)));
                    continue;
                }

                var command = MarkdownHelpParser.Parse(file, text);
                if (!string.Equals(command.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    throw new HelpFormatException(file, 1, $"the page is titled '{command.Name}' but the file is named '{name}.md'");
                }

                commands.Add(command);
            }
            catch (HelpFormatException ex)
            {
                stderr.WriteLine(ex.Message);
                failed = true;
            }
        }

        if (failed)
        {
            return 1;
        }

        Directory.CreateDirectory(output);
        var maml = Path.Combine(output, assembly + "-Help.xml");
        File.WriteAllText(maml, MamlWriter.Write(commands), new UTF8Encoding(false));
        foreach (var (name, text) in abouts)
        {
            File.WriteAllText(Path.Combine(output, name + ".help.txt"), text, new UTF8Encoding(false));
        }

        stdout.WriteLine($"{commands.Count} cmdlet page(s) -> {maml}; {abouts.Count} about page(s)");
        return 0;
    }
}
