using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Lists the git worktrees of a workspace's tasks: task, branch, base, state, dirty state and age.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeWorktree")]
[OutputType(typeof(WorktreeInfo))]
public sealed class GetMsgcodeWorktreeCommand : TaskCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskId")]
    [TaskIdTransformation]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    protected override void ProcessRecordCore()
    {
        var manager = Worktrees();
        string? id = null;
        if (Id is not null)
        {
            try
            {
                id = Store().Resolve(Id);
            }
            catch (MsgcodeException ex) when (ex.ErrorId == ErrorIds.TaskNotFound)
            {
                id = Id; // a worktree can outlive its task
            }
        }

        var list = id is null ? manager.List(id, onProblem: WriteProblem) : manager.ListWithAttempts(id, WriteProblem);
        if (id is not null && list.Count == 0)
        {
            WriteMsgcodeError(new MsgcodeException(ErrorIds.WorktreeNotFound, MsgcodeErrorCategory.ObjectNotFound, id, $"Task {id} has no worktree in '{manager.Workspace}'."));
            return;
        }

        WriteObject(list, enumerateCollection: true);
    }
}
