namespace Msgcode.PowerShell.Completers;

/// <summary>
/// Completes -Workspace with folders, literally (no backtick escapes before [ and ]), so that the completed path is the
/// folder -Workspace binds to: -Workspace is taken literally, as -LiteralPath is.
/// </summary>
public sealed class WorkspacePathCompleter : LiteralPathCompleter
{
    public WorkspacePathCompleter()
        : base(foldersOnly: true)
    {
    }
}
