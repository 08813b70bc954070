using System.Management.Automation;

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
    public string? Workspace { get; set; }

    private (string Input, string Resolved)? _resolvedWorkspace;

    protected override bool RecordErrorsAreNonTerminating => true;

    /// <summary>
    /// The workspace as a file system path. Resolving through the provider costs ~0.1 ms and a task run asks
    /// more than once, so a fully qualified -Workspace (which means itself from a file system location) skips
    /// the provider and is resolved once per distinct value.
    /// </summary>
    protected string WorkspacePath
    {
        get
        {
            if (Workspace is null)
            {
                return SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            }

            if (_resolvedWorkspace is { } cached && string.Equals(cached.Input, Workspace, StringComparison.Ordinal))
            {
                return cached.Resolved;
            }

            if (!Path.IsPathFullyQualified(Workspace))
            {
                return ResolvePath(Workspace); // relative, ~ or a PSDrive: the provider decides
            }

            // A fully qualified path means itself while the current location is in the file system (elsewhere, a
            // leading / would be the root of that provider's drive).
            var resolved = SessionState.Path.CurrentLocation.Provider.ImplementingType == typeof(Microsoft.PowerShell.Commands.FileSystemProvider)
                ? Path.GetFullPath(Workspace)
                : ResolvePath(Workspace);
            _resolvedWorkspace = (Workspace, resolved);
            return resolved;
        }
    }
}
