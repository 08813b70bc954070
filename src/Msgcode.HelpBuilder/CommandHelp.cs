namespace Msgcode.HelpBuilder;

/// <summary>The help of one cmdlet, as read from its PlatyPS markdown page.</summary>
internal sealed class CommandHelp
{
    public required string Name { get; init; }

    public required string SourcePath { get; init; }

    public string Synopsis { get; set; } = string.Empty;

    public List<string> Description { get; } = [];

    /// <summary>Parameter set names in SYNTAX order ("__AllParameterSets" when the page has a single, unnamed syntax).</summary>
    public List<string> ParameterSets { get; } = [];

    public List<ParameterHelp> Parameters { get; } = [];

    public List<ExampleHelp> Examples { get; } = [];

    public List<TypeHelp> Inputs { get; } = [];

    public List<TypeHelp> Outputs { get; } = [];

    public List<string> Notes { get; } = [];

    public List<LinkHelp> RelatedLinks { get; } = [];

    public string Verb => Name.Contains('-') ? Name[..Name.IndexOf('-')] : Name;

    public string Noun => Name.Contains('-') ? Name[(Name.IndexOf('-') + 1)..] : string.Empty;
}

internal sealed class ParameterHelp
{
    public required string Name { get; init; }

    public List<string> Description { get; } = [];

    public string Type { get; set; } = "Object";

    /// <summary>Set names, or empty for all sets.</summary>
    public List<string> Sets { get; } = [];

    public string Aliases { get; set; } = "none";

    public List<string> AcceptedValues { get; } = [];

    /// <summary>Required per set (PlatyPS may repeat a parameter's yaml block for each set).</summary>
    public Dictionary<string, bool> RequiredBySet { get; } = new(StringComparer.OrdinalIgnoreCase);

    public bool Required { get; set; }

    public string Position { get; set; } = "named";

    public string DefaultValue { get; set; } = "None";

    public string PipelineInput { get; set; } = "False";

    public bool Globbing { get; set; }

    public bool IsSwitch => Type.EndsWith("SwitchParameter", StringComparison.Ordinal);

    /// <summary>Whether the parameter's yaml block has been read.</summary>
    public bool Seen { get; set; }

    public bool InSet(string set) => Sets.Count == 0 || Sets.Contains(set, StringComparer.OrdinalIgnoreCase);

    public bool RequiredIn(string set) => RequiredBySet.TryGetValue(set, out var r) ? r : Required;
}

internal sealed class ExampleHelp
{
    public required string Title { get; init; }

    public List<string> Code { get; } = [];

    public List<string> Remarks { get; } = [];
}

internal sealed class TypeHelp
{
    public required string Name { get; init; }

    public List<string> Description { get; } = [];
}

internal sealed record LinkHelp(string Text, string Uri);

/// <summary>A located problem in a help page; the build fails on it.</summary>
internal sealed class HelpFormatException(string path, int line, string message) : Exception($"{path}:{line}: {message}")
{
    public string Path { get; } = path;

    public int Line { get; } = line;
}
