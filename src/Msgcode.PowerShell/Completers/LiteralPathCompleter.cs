using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Msgcode.PowerShell.Completers;

/// <summary>
/// Completes file and folder paths for the parameters msgcode takes literally (-File, a patch's -Path): the completed
/// text is the name as it is, quoted when the shell needs it but never with wildcard escapes. PowerShell's own file
/// completion escapes [ and ] with backticks unless the parameter is called LiteralPath, and msgcode reads paths
/// literally, so its completion for a folder named <c>a[1]</c> named a folder that does not exist.
/// </summary>
public class LiteralPathCompleter : IArgumentCompleter
{
    private const int MaxResults = 500;

    private static readonly char[] Separators = ['/', '\\'];

    private readonly bool _foldersOnly;

    public LiteralPathCompleter()
        : this(foldersOnly: false)
    {
    }

    /// <param name="foldersOnly">True: offers folders only (a workspace is one).</param>
    protected LiteralPathCompleter(bool foldersOnly) => _foldersOnly = foldersOnly;

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete ?? string.Empty;
        var quote = word.Length > 0 && word[0] is '\'' or '"' ? word[0] : (char?)null;
        word = word.Trim('\'', '"');
        var cut = word.LastIndexOfAny(Separators);
        var parent = word[..(cut + 1)];
        var prefix = word[(cut + 1)..];
        var folder = FileSystemFolder(parent);
        if (folder is null)
        {
            return [];
        }

        IEnumerable<FileSystemInfo> entries;
        try
        {
            entries = _foldersOnly ? folder.EnumerateDirectories() : folder.EnumerateFileSystemInfos();
            entries = entries
                .Where(e => e.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && (prefix.StartsWith('.') || !e.Name.StartsWith('.')))
                .OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase)
                .Take(MaxResults)
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            return [];
        }

        return entries.Select(e => new CompletionResult(
            Quote(parent + e.Name, quote),
            e.Name,
            e is DirectoryInfo ? CompletionResultType.ProviderContainer : CompletionResultType.ProviderItem,
            e.FullName));
    }

    /// <summary>The text as an argument: bare when the shell reads it as one string, else in single quotes (the user's quotes kept).</summary>
    internal static string Quote(string text, char? quote)
    {
        var needsQuotes = quote is not null || text.Length == 0 || text[0] is '-' or '@' or '#' or '<' or '>'
                          || text.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '`' or '$' or ';' or ',' or '(' or ')' or '{' or '}' or '&' or '|');
        if (!needsQuotes)
        {
            return text;
        }

        return quote == '"' && text.IndexOfAny(['"', '`', '$']) < 0
            ? $"\"{text}\""
            : $"'{text.Replace("'", "''", StringComparison.Ordinal)}'";
    }

    /// <summary>
    /// The folder a typed parent path names, resolved by PowerShell in the current session (relative to the current
    /// location, ~, PSDrives), or null when it names no file system folder.
    /// </summary>
    private static DirectoryInfo? FileSystemFolder(string parent)
    {
        try
        {
            using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
            shell.AddCommand("Microsoft.PowerShell.Management\\Get-Item").AddParameter("LiteralPath", parent.Length == 0 ? "." : parent).AddParameter("Force");
            return shell.Invoke().Select(o => o?.BaseObject).OfType<DirectoryInfo>().FirstOrDefault();
        }
        catch (Exception ex) when (ex is RuntimeException or InvalidOperationException)
        {
            return null;
        }
    }
}
