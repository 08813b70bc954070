using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Runs;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Gets the runs of a workspace's tasks from its run ledger, newest first; one run by its id, or its event stream as it comes.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeTaskRun", DefaultParameterSetName = ListSet)]
[OutputType(typeof(TaskRunInfo))]
[OutputType(typeof(string), ParameterSetName = [RunSet])]
public sealed class GetMsgcodeTaskRunCommand : TaskCmdlet
{
    private const string ListSet = "List";
    private const string RunSet = "Run";

    /// <summary>The task (id or id prefix), as -Id names a task in the other task cmdlets; a piped task or run binds by Id or TaskId.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ListSet)]
    [Alias("TaskId")]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public string? Id { get; set; }

    /// <summary>Only runs in these statuses.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("queued", "running", "succeeded", "failed", "timedOut", "canceled", "interrupted")]
    public string[]? Status { get; set; }

    /// <summary>Only runs started at or after this time.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public DateTime? Since { get; set; }

    /// <summary>Only runs by these runners.</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ArgumentCompleter(typeof(RunnerKindCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Runner { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = 20;

    /// <summary>One run, with its output once it has ended.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RunSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string RunId { get; set; } = string.Empty;

    /// <summary>With -RunId: writes the run's event stream (events.jsonl, one JSON event a line) as it comes, until the run ends.</summary>
    [Parameter(ParameterSetName = RunSet)]
    public SwitchParameter Follow { get; set; }

    protected override void ProcessRecordCore()
    {
        var store = Store();
        store.RequireWorkspace();
        var ledger = new RunLedger(store.LedgerPath);
        if (ParameterSetName == ListSet)
        {
            var filter = new TaskRunFilter
            {
                TaskId = Id is null ? null : store.Resolve(Id),
                Statuses = Status,
                Runners = Runner,
                Since = Since is DateTime since ? new DateTimeOffset(since.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(since, DateTimeKind.Local) : since) : null,
            };
            WriteObject(ledger.NewestRuns(Last, filter, WriteProblem), enumerateCollection: true);
            return;
        }

        var run = ledger.Find(RunId, WriteProblem) ?? throw new MsgcodeException(ErrorIds.RunNotFound, MsgcodeErrorCategory.ObjectNotFound, RunId,
            $"The workspace '{store.Workspace}' has no run {RunId}. Get-MsgcodeTaskRun lists its runs.");
        if (!Follow)
        {
            if (run.IsEnded)
            {
                run.Output = run.ReadOutput();
            }

            WriteObject(run);
            return;
        }

        foreach (var line in RunWatch.FollowEvents(ledger, Path.Combine(store.ArtifactsDirectory, RunId, "events.jsonl"), RunId, CancellationToken))
        {
            WriteObject(line);
        }
    }
}
