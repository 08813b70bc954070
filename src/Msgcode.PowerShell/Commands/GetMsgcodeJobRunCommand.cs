using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Gets the firings of scheduled jobs, newest first: when each fired, why, the task and run it queued, and how it ended.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeJobRun")]
[OutputType(typeof(JobRunInfo))]
public sealed class GetMsgcodeJobRunCommand : JobCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ArgumentCompleter(typeof(JobCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Id { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; } = 20;

    protected override void ProcessRecordCore()
    {
        string? jobId = null;
        if (Id is not null)
        {
            // A removed job's history stays readable by its full id.
            var snapshot = Store().Load();
            try
            {
                jobId = JobStore.Resolve(snapshot.Jobs, Id).Id;
            }
            catch (MsgcodeException ex) when (ex.ErrorId == ErrorIds.JobNotFound && JobStore.IsFullId(Id))
            {
                jobId = Id;
            }
        }

        WriteObject(Store().NewestRuns(Last, jobId, p => WriteMsgcodeError(p.ToException())), enumerateCollection: true);
    }
}
