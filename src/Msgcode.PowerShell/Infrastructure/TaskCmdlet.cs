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

    protected string WorkspacePath => Workspace is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : ResolvePath(Workspace);

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

    protected void WriteProblem(MsgcodeProblem problem) => WriteMsgcodeError(problem.ToException());

    /// <summary>The runners this session can run (the registry grows with later capabilities).</summary>
    protected RunnerRegistry Runners() => HostCommand.Runners(this);

    protected TaskRunOptions RunOptions(TimeSpan timeout, bool force)
    {
        var report = ConfigResolver.ResolveCached(Core.Config.ConfigSources.ForCurrentProcess(WorkspacePath));
        var secrets = ConfigSchema.Keys.Where(k => k.Secret).Select(k => report.GetString(k.Name)).OfType<string>().ToList();
        return new TaskRunOptions
        {
            Timeout = timeout,
            Force = force,
            PolicyMode = report.GetString("policy.mode") ?? "egress-allowed",
            Secrets = secrets,
            RetentionDays = report.GetInt64("runs.retentionDays"),
            RetentionCount = report.GetInt64("runs.retentionCount"),
        };
    }
}
