using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Runners;
using Msgcode.Core.Tasks;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>Shared by the task cmdlets: the workspace's task store, its worktrees and the options of a run.</summary>
public abstract class TaskCmdlet : WorkspaceCmdlet
{
    private readonly Dictionary<string, TaskStore> _stores = new(StringComparer.Ordinal);

    /// <summary>The task store of the workspace (one per workspace the cmdlet is given).</summary>
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
