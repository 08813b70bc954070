using System.Management.Automation;
using Msgcode.Core.Tasks;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Creates a task in a workspace: a readable, diffable pair of files under tasks/.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "MsgcodeTask", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(TaskInfo))]
public sealed class NewMsgcodeTaskCommand : TaskCmdlet
{
    private readonly Dictionary<string, string> _defaultRunner = new(StringComparer.Ordinal);

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Title { get; set; } = string.Empty;

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Prompt { get; set; } = string.Empty;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("RunnerKind")]
    [ArgumentCompleter(typeof(RunnerKindCompleter))]
    public string? Runner { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Model { get; set; }

    /// <summary>Input files, copied into the task (tasks/inputs/&lt;taskId&gt;) and handed to its runner.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Files")]
    [ArgumentCompleter(typeof(LiteralPathCompleter))]
    public string[]? File { get; set; }

    /// <summary>Accepts a runner name no runner has yet (one you will add to capabilities.json later).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecordCore()
    {
        var store = Store();
        var title = TaskStore.ValidateTitle(Title);
        var runner = RunnerCheck.Require(this, Runner, Force) ?? DefaultRunner(store);
        if (!ShouldProcess(store.TasksDirectory, $"Create task '{title}' ({runner})"))
        {
            return;
        }

        // Paths as any cmdlet takes them (~, relative to the current location, PSDrives); the store copies the files in.
        var files = File?.Select(ResolvePath).ToArray();
        WriteObject(store.Create(title, Prompt ?? string.Empty, runner, Model, files));
    }

    private string DefaultRunner(TaskStore store)
    {
        if (!_defaultRunner.TryGetValue(store.Workspace, out var kind))
        {
            store.RequireWorkspace();
            kind = store.DefaultRunnerKind(Core.Config.ConfigSources.ForCurrentProcess(store.Workspace));
            _defaultRunner[store.Workspace] = kind;
        }

        return kind;
    }
}
