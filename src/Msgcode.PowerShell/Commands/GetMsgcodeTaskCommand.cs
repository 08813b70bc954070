using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Tasks;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Gets tasks of a workspace: all of them (oldest first, filtered), or the ones named by id or id prefix.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeTask", DefaultParameterSetName = ListSet)]
[OutputType(typeof(TaskInfo))]
public sealed class GetMsgcodeTaskCommand : TaskCmdlet
{
    public const string ListSet = "List";
    public const string IdSet = "Id";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskId")]
    [TaskIdTransformation]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet(TaskStatuses.Open, TaskStatuses.Running, TaskStatuses.Blocked, TaskStatuses.Done, TaskStatuses.Canceled)]
    public string[]? Status { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [SupportsWildcards]
    public string? Title { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ArgumentCompleter(typeof(RunnerKindCompleter))]
    public string[]? Runner { get; set; }

    protected override void ProcessRecordCore()
    {
        var store = Store();
        if (ParameterSetName == IdSet)
        {
            foreach (var id in Id)
            {
                try
                {
                    WriteObject(store.Get(id, WriteProblem));
                }
                catch (MsgcodeException ex)
                {
                    WriteMsgcodeError(ex);
                }
            }

            return;
        }

        var title = Title is null ? null : WildcardPattern.Get(Title, WildcardOptions.IgnoreCase);
        foreach (var task in store.List(WriteProblem))
        {
            if ((Status is null || Status.Contains(task.Status, StringComparer.OrdinalIgnoreCase))
                && (title is null || title.IsMatch(task.Title))
                && (Runner is null || Runner.Contains(task.Runner, StringComparer.OrdinalIgnoreCase)))
            {
                WriteObject(task);
            }
        }
    }
}
