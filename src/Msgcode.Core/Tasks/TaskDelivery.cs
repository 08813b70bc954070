namespace Msgcode.Core.Tasks;

/// <summary>
/// Where a job's task sends its results (the task file's <c>delivery</c>): the chat, whether every result or only
/// failures, and the job that made it. Set by the job at each firing, so the task carries its target to whatever
/// runs it. <see cref="ErrorId"/> is set when the firing found no active route for the chat: the task still runs
/// and keeps its result, and nothing is sent.
/// </summary>
public sealed record TaskDelivery(string ChatGuid, string On, string? JobId, string? JobName)
{
    /// <summary>Every result is sent.</summary>
    public const string OnAnswer = "answer";

    /// <summary>Only a result that is not a success is sent.</summary>
    public const string OnFailure = "failure";

    public static IReadOnlyList<string> AllOn { get; } = [OnAnswer, OnFailure];

    /// <summary>Why nothing is sent (the route of the chat was gone when the job fired), or null.</summary>
    public string? ErrorId { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>Whether a run that ended with <paramref name="status"/> is sent (a canceled run never is: whoever canceled it knows).</summary>
    public bool Sends(string status) => ErrorId is null && status != Runners.RunStatuses.Canceled && (On != OnFailure || status != Runners.RunStatuses.Succeeded);
}
