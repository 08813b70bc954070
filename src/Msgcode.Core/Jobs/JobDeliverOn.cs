namespace Msgcode.Core.Jobs;

/// <summary>Which results of a job go to its chat (jobs.json stores it in lower case: answer, failure).</summary>
public enum JobDeliverOn
{
    /// <summary>Every result: the answer, or what went wrong.</summary>
    Answer,

    /// <summary>Only a result that is not a success (failed, timed out, interrupted).</summary>
    Failure,
}
