namespace Msgcode.Core.Tasks;

/// <summary>
/// The human side of a task, <c>&lt;id&gt;.md</c>: a <c># Title</c> line, a blank line, then the prompt verbatim.
/// Editing either changes the task (the newer of .md and .json wins for title and prompt).
/// </summary>
public static class TaskMarkdown
{
    public static string Render(string title, string prompt) => "# " + title + "\n\n" + prompt + (prompt.EndsWith('\n') ? string.Empty : "\n");

    public static bool TryParse(string text, out string title, out string prompt, out string error)
    {
        title = string.Empty;
        prompt = string.Empty;
        error = string.Empty;
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var newline = text.IndexOf('\n');
        var first = newline < 0 ? text : text[..newline];
        if (!first.StartsWith("# ", StringComparison.Ordinal) || first[2..].Trim().Length == 0)
        {
            error = "the first line must be '# Title'";
            return false;
        }

        title = first[2..].Trim();
        var rest = newline < 0 ? string.Empty : text[(newline + 1)..];
        if (rest.StartsWith('\n'))
        {
            rest = rest[1..];
        }

        prompt = rest.EndsWith('\n') ? rest[..^1] : rest;
        return true;
    }
}
