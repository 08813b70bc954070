using Msgcode.Core.Config;

namespace Msgcode.Core.Tests.Config;

/// <summary>docs/configuration.md is generated from the schema; this fails when the committed page disagrees with it.</summary>
public class ConfigReferenceTests
{
    [Fact]
    public void The_committed_configuration_reference_matches_the_schema()
    {
        var page = Path.Combine(RepositoryRoot(), "docs", "configuration.md");
        Assert.True(File.Exists(page), $"{page} is missing; run `dotnet pwsh ./build.ps1 -Task Help` to write it.");
        var committed = File.ReadAllText(page).ReplaceLineEndings("\n");
        Assert.True(committed == ConfigReference.ToMarkdown(),
            "docs/configuration.md differs from ConfigSchema; run `dotnet pwsh ./build.ps1 -Task Help` and commit the page.");
    }

    [Fact]
    public void Every_key_has_a_row()
    {
        var markdown = ConfigReference.ToMarkdown();
        foreach (var key in ConfigSchema.Keys)
        {
            Assert.Contains($"| `{key.Name}` | `{key.EnvironmentVariable}`", markdown, StringComparison.Ordinal);
            if (key.LegacyEnvironmentVariable is { } legacy)
            {
                Assert.Contains($"`{legacy}`", markdown, StringComparison.Ordinal);
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Msgcode.PowerShell.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Msgcode.PowerShell.sln) is not above " + AppContext.BaseDirectory);
    }
}
