using System.Management.Automation;
using Msgcode.PowerShell.Completers;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>
/// Shared by the cmdlets that work in one workspace (tasks, worktrees, patches, memory): the -Workspace parameter
/// (default: the current location) and its resolution. Each input is handled on its own: a Core error about one is
/// written and the next is processed.
/// </summary>
public abstract class WorkspaceCmdlet : MsgcodeCmdlet
{
    /// <summary>The workspace folder; bound from piped tasks by property name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(WorkspacePathCompleter))]
    public string? Workspace { get; set; }

    private (string Input, string Resolved)? _resolvedWorkspace;

    protected override bool RecordErrorsAreNonTerminating => true;

    /// <summary>
    /// The workspace as a file system path, resolved through the provider (a PSDrive, ~ and relative paths work; a path or
    /// current location on another provider is WorkspaceNotFileSystem). Resolving costs ~0.1 ms and a task run asks more
    /// than once, so each distinct -Workspace is resolved once.
    /// </summary>
    protected string WorkspacePath
    {
        get
        {
            if (Workspace is null)
            {
                return ResolveWorkspace(null);
            }

            if (_resolvedWorkspace is { } cached && string.Equals(cached.Input, Workspace, StringComparison.Ordinal))
            {
                return cached.Resolved;
            }

            var resolved = ResolveWorkspace(Workspace);
            _resolvedWorkspace = (Workspace, resolved);
            return resolved;
        }
    }
}
