using Msgcode.Core.Errors;

namespace Msgcode.Core.Jobs;

/// <summary>What a job must be before <see cref="JobStore"/> stores it: its name, schedule, action, missed-run policy and delivery.</summary>
public static class JobValidation
{
    /// <summary>Checks everything a job needs before it is stored; throws the matching ErrorId.</summary>
    public static void Validate(JobDefinition job, long nowMs, bool newSchedule, bool checkAction = true, bool checkSchedule = true)
    {
        job.Name = (job.Name ?? string.Empty).Trim();
        if (job.Name.Length == 0 || job.Name.Length > JobStore.MaxNameLength || job.Name.Contains('\n') || job.Name.Contains('\r'))
        {
            throw new MsgcodeException(ErrorIds.JobActionInvalid, MsgcodeErrorCategory.InvalidArgument, job.Name,
                $"A job needs a name of one line, 1 to {JobStore.MaxNameLength} characters.");
        }

        if (checkSchedule)
        {
            JobScheduleMath.Validate(job.Schedule, newSchedule ? nowMs : null);
        }

        if (!checkAction)
        {
            return;
        }

        var action = job.Action;
        if (string.IsNullOrWhiteSpace(action.Workspace))
        {
            throw new MsgcodeException(ErrorIds.JobActionInvalid, MsgcodeErrorCategory.InvalidArgument, job.Name, "A job needs a workspace to run in.");
        }

        action.Workspace = System.IO.Path.GetFullPath(action.Workspace);
        var store = new Tasks.TaskStore(action.Workspace);
        store.RequireWorkspace();
        switch (action.Kind)
        {
            case JobActionKinds.NewTask:
                action.Title = Tasks.TaskStore.ValidateTitle(action.Title);
                action.Runner = Tasks.TaskStore.ValidateRunnerKind(action.Runner);
                action.Prompt ??= string.Empty;
                action.TaskId = null;
                break;
            case JobActionKinds.RunTask:
                action.TaskId = store.Resolve(action.TaskId ?? string.Empty);
                action.Title = action.Prompt = action.Runner = action.Model = null;
                break;
            default:
                throw new MsgcodeException(ErrorIds.JobActionInvalid, MsgcodeErrorCategory.InvalidArgument, action.Kind,
                    $"Unknown action '{action.Kind}': a job creates a task from a template (-Title, -Prompt, -Runner) or runs an existing task (-TaskId).");
        }

        if ((job.MissedRunPolicy.Kind is { } kind && !MissedRunPolicies.All.Contains(kind)) || job.MissedRunPolicy.Max is < 1 or > JobMissedRunPolicy.Limit)
        {
            throw new MsgcodeException(ErrorIds.JobActionInvalid, MsgcodeErrorCategory.InvalidArgument, job.MissedRunPolicy.Kind ?? job.Id,
                $"The missed-run policy is one of {string.Join(", ", MissedRunPolicies.All)} (or none: jobs.missedRunPolicy), with a maximum of 1 to {JobMissedRunPolicy.Limit} runs.");
        }

        ValidateDelivery(job);
    }

    /// <summary>
    /// A delivery is <c>none</c>, or <c>chat</c> with a chat GUID and <c>on</c> answer or failure; else
    /// <see cref="ErrorIds.JobDeliveryInvalid"/>. Whether the chat has an active route is checked by the caller that
    /// can read routes.json (Set-MsgcodeJob, New-MsgcodeJob), and again at each firing.
    /// </summary>
    public static void ValidateDelivery(JobDefinition job)
    {
        var delivery = job.Delivery;
        string? why = delivery.Mode switch
        {
            JobDelivery.None => delivery.ChatGuid is null ? null : "a delivery of mode 'none' has no chatGuid",
            JobDelivery.Chat when string.IsNullOrWhiteSpace(delivery.ChatGuid) => "a delivery to a chat needs its chatGuid",
            JobDelivery.Chat when delivery.On is not null && !Tasks.TaskDelivery.AllOn.Contains(delivery.On) => $"'on' is '{delivery.On}'; it is {string.Join(" or ", Tasks.TaskDelivery.AllOn)}",
            JobDelivery.Chat => null,
            _ => $"the mode '{delivery.Mode}' is not {JobDelivery.None} or {JobDelivery.Chat}",
        };
        if (why is not null)
        {
            throw new MsgcodeException(ErrorIds.JobDeliveryInvalid, MsgcodeErrorCategory.InvalidArgument, job.Name,
                $"The delivery of job '{job.Name}' cannot be used: {why}. Set it with Set-MsgcodeJob -DeliverTo <chat> [-DeliverOn Answer|Failure], or turn it off with -DeliverTo ''.");
        }
    }

    /// <summary>Refuses with <see cref="ErrorIds.JobNameExists"/> when another job than <paramref name="id"/> has the name (compared without case).</summary>
    internal static void RequireUniqueName(List<JobDefinition> jobs, string name, string id)
    {
        var other = jobs.FirstOrDefault(j => j.Id != id && string.Equals(j.Name, name, StringComparison.OrdinalIgnoreCase));
        if (other is not null)
        {
            throw new MsgcodeException(ErrorIds.JobNameExists, MsgcodeErrorCategory.ResourceExists, name,
                $"A job named '{other.Name}' exists already ({other.Id}). Choose another name, or change that job with Set-MsgcodeJob.");
        }
    }
}
