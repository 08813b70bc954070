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

        if (!MissedRunPolicies.All.Contains(job.MissedRunPolicy.Kind) || job.MissedRunPolicy.Max is < 1 or > JobMissedRunPolicy.Limit)
        {
            throw new MsgcodeException(ErrorIds.JobActionInvalid, MsgcodeErrorCategory.InvalidArgument, job.MissedRunPolicy.Kind,
                $"The missed-run policy is one of {string.Join(", ", MissedRunPolicies.All)}, with a maximum of 1 to {JobMissedRunPolicy.Limit} runs.");
        }

        if (job.Delivery.Mode != "none")
        {
            throw new MsgcodeException(ErrorIds.JobActionInvalid, MsgcodeErrorCategory.InvalidArgument, job.Delivery.Mode,
                "Delivery 'none' is the only mode until the message channel exists.");
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
