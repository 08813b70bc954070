namespace Msgcode.Core.Runners;

/// <summary>
/// How a run's input files (<see cref="RunnerRequest.Files"/>) are handed on in text: the variable scripts read,
/// the list appended to an agent's prompt, the kinds of file a runner can take.
/// </summary>
public static class RunnerFiles
{
    /// <summary>The shell and pwsh runners' variable: one full path a line (empty when there are none).</summary>
    public const string Variable = "MSGCODE_INPUT_FILES";

    private static readonly Dictionary<string, string> ImageTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = "image/png", [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".gif"] = "image/gif", [".webp"] = "image/webp",
    };

    public static string AsLines(IReadOnlyList<string> files) => string.Join('\n', files);

    /// <summary>
    /// The prompt with the files' full paths after it, for agents that read files with their own tools: a prompt
    /// alone would not tell them that a photo or a voice note came with it.
    /// </summary>
    public static string AppendToPrompt(string prompt, IReadOnlyList<string> files)
        => files.Count == 0 ? prompt : prompt.TrimEnd() + "\n\nAttached files:\n" + string.Join('\n', files.Select(f => "- " + f)) + "\n";

    /// <summary>The media type of an image file an OpenAI-style vision model takes (png, jpeg, gif, webp), else null.</summary>
    public static string? ImageMediaType(string path) => ImageTypes.GetValueOrDefault(Path.GetExtension(path));

    /// <summary>The distinct folders of the files, in order (for a CLI's "may read here" flag, such as claude's --add-dir).</summary>
    public static IReadOnlyList<string> Folders(IReadOnlyList<string> files)
        => files.Select(f => Path.GetDirectoryName(f)!).Where(d => d.Length > 0).Distinct(StringComparer.Ordinal).ToList();
}
