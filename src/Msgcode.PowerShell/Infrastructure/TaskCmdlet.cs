using System.Management.Automation;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Runners;
using Msgcode.Core.Tasks;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>Shared by the task cmdlets: the workspace (default: the current location) and its store.</summary>
public abstract class TaskCmdlet : MsgcodeCmdlet
{
    private readonly Dictionary<string, TaskStore> _stores = new(StringComparer.Ordinal);

    /// <summary>The workspace folder; bound from piped tasks by property name.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Workspace { get; set; }

    private (string Input, string Resolved)? _resolvedWorkspace;

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

    protected TaskStore Store()
    {
        var path = WorkspacePath;
        if (!_stores.TryGetValue(path, out var store))
        {
            store = new TaskStore(path);
            _stores[path] = store;
        }

        return store;
    }

    /// <summary>The worktrees of the workspace, with its worktree settings.</summary>
    protected Core.Worktrees.WorktreeManager Worktrees() => new(Store(), WorktreeSettings());

    protected Core.Worktrees.WorktreeSettings WorktreeSettings()
        => Core.Worktrees.WorktreeSettings.From(ConfigResolver.Resolve(Core.Config.ConfigSources.ForCurrentProcess(WorkspacePath)));

    /// <summary>
    /// A problem found while reading: an error, except a record a crash cut short (JsonlLineTorn), which never took
    /// effect and which nobody needs to fix: that is a warning, so a ledger with one does not fail every read for ever.
    /// </summary>
    protected void WriteProblem(MsgcodeProblem problem)
    {
        if (problem.ErrorId == ErrorIds.JsonlLineTorn)
        {
            WriteWarning($"{problem.ErrorId}: {problem.Message} ({problem.Target})");
            return;
        }

        WriteMsgcodeError(problem.ToException());
    }

    /// <summary>The runners this session can run (the registry grows with later capabilities).</summary>
    protected RunnerRegistry Runners() => HostCommand.Runners(this);

    protected TaskRunOptions RunOptions(TimeSpan timeout, bool force)
        => TaskRunOptions.FromConfig(ConfigResolver.ResolveCached(Core.Config.ConfigSources.ForCurrentProcess(WorkspacePath))) with { Timeout = timeout, Force = force };
}
