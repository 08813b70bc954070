using System.Globalization;
using System.Text;

namespace Msgcode.Core.Config;

/// <summary>
/// The configuration reference (docs/configuration.md), rendered from <see cref="ConfigSchema"/> so that the page
/// cannot drift from the keys: the Help build task writes it and a test fails when the committed page differs.
/// </summary>
public static class ConfigReference
{
    /// <summary>The page's markdown, with "\n" line ends whatever the platform.</summary>
    public static string ToMarkdown()
    {
        var md = new StringBuilder();
        md.Append("# Configuration reference\n\n");
        md.Append("<!-- Generated from ConfigSchema by `dotnet pwsh ./build.ps1 -Task Help`; do not edit by hand (a test compares it). -->\n\n");
        md.Append("Every key msgcode reads, declared once in `src/Msgcode.Core/Config/ConfigSchema.cs`. Values come from five layers,\n");
        md.Append("lowest first: the default, the state file (`Set-MsgcodeConfig`), a workspace's `.msgcode/config.json` (only keys\n");
        md.Append("marked workspace-scoped), the `.env` file, and the environment variable. `Get-MsgcodeEffectiveConfig -Explain`\n");
        md.Append("shows which layer won and why; see [concepts](concepts.md#configuration) and `Get-Help about_Msgcode_Configuration`.\n\n");
        md.Append("| key | environment variable | type | default | workspace | description |\n");
        md.Append("| --- | --- | --- | --- | --- | --- |\n");
        foreach (var key in ConfigSchema.Keys.OrderBy(k => k.Name, StringComparer.Ordinal))
        {
            md.Append(CultureInfo.InvariantCulture, $"| `{key.Name}` | {Variables(key)} | {Cell(key.Describe())} | {DefaultText(key)} | {(key.WorkspaceScoped ? "yes" : "")} | {Cell(Notes(key))} |\n");
        }

        md.Append("\nSecret keys are shown as `").Append(ConfigKey.Redacted).Append("` everywhere msgcode prints them.\n");
        return md.ToString();
    }

    private static string Variables(ConfigKey key) => key.LegacyEnvironmentVariable is { } legacy
        ? $"`{key.EnvironmentVariable}` (or the original's `{legacy}`)"
        : $"`{key.EnvironmentVariable}`";

    private static string Notes(ConfigKey key)
    {
        var text = key.Description;
        if (key.Secret)
        {
            text += " Secret.";
        }

        if (key.Endpoint)
        {
            text += " An endpoint: a workspace may change it only when listed in workspace.trusted.";
        }

        return text;
    }

    private static string DefaultText(ConfigKey key) => key.Default switch
    {
        null => "(unset)",
        string s when s.Length == 0 => "(empty)",
        string s => $"`{Cell(s)}`",
        bool b => b ? "`true`" : "`false`",
        string[] list when list.Length == 0 => "(none)",
        string[] list => "`" + Cell(string.Join(", ", list)) + "`",
        IFormattable f => "`" + f.ToString(null, CultureInfo.InvariantCulture) + "`",
        var other => "`" + Cell(other.ToString() ?? string.Empty) + "`",
    };

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
