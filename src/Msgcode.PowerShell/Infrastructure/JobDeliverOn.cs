namespace Msgcode.PowerShell.Infrastructure;

/// <summary>
/// -DeliverOn of the job cmdlets: which results of a job go to its chat (jobs.json stores it in lower case). An enum of
/// this assembly, not of Core (which loads in the module's own context, out of the binder's reach), and nullable on
/// the cmdlets, so a job piped into New-MsgcodeJob binds its DeliverOn whether it delivers or not.
/// </summary>
public enum JobDeliverOn
{
    /// <summary>Every result: the answer, or what went wrong.</summary>
    Answer,

    /// <summary>Only a result that is not a success (failed, timed out, interrupted).</summary>
    Failure,
}
