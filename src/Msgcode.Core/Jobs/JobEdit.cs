using Msgcode.Core.Errors;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Jobs;

/// <summary>
/// A change to a job as Set-MsgcodeJob asks for it: every field optional, a new schedule kind replacing the old
/// one, a template field turning a run-a-task job into a make-a-task job. Applied under the jobs file's lock by
/// <see cref="JobStore.Change"/>, which validates the result.
/// </summary>
public sealed record JobEdit
{
    public string? Name { get; init; }

    public string? Cron { get; init; }

    public string? TimeZone { get; init; }

    public TimeSpan? Every { get; init; }

    public DateTimeOffset? Anchor { get; init; }

    public DateTimeOffset? At { get; init; }

    public string? Title { get; init; }

    public string? Prompt { get; init; }

    public string? Runner { get; init; }

    /// <summary>An empty string clears the model.</summary>
    public string? Model { get; init; }

    public string? TaskId { get; init; }

    /// <summary>An absolute path.</summary>
    public string? Workspace { get; init; }

    /// <summary>skip, run-once or run-all; <see cref="MissedRunPolicies.Default"/> makes the job follow jobs.missedRunPolicy again.</summary>
    public string? MissedRunPolicy { get; init; }

    public int? MaxMissedRuns { get; init; }

    /// <summary>The chat GUID results go to (its route resolved by the caller); an empty string turns delivery off.</summary>
    public string? DeliverTo { get; init; }

    /// <summary>answer or failure (any case).</summary>
    public string? DeliverOn { get; init; }

    private int ScheduleKinds => (Cron is not null ? 1 : 0) + (Every is not null ? 1 : 0) + (At is not null ? 1 : 0);

    /// <summary>What the edit changes, for ShouldProcess; throws <see cref="ErrorIds.JobScheduleInvalid"/> when it names two schedules.</summary>
    public IReadOnlyList<string> Parts(string target)
    {
        if (ScheduleKinds > 1)
        {
            throw new MsgcodeException(ErrorIds.JobScheduleInvalid, MsgcodeErrorCategory.InvalidArgument, target, "Give one schedule: -Cron (with -TimeZone), -Every (with -Anchor) or -At.");
        }

        if (DeliverOn is not null && DeliverTo is { Length: 0 })
        {
            throw new MsgcodeException(ErrorIds.JobDeliveryInvalid, MsgcodeErrorCategory.InvalidArgument, target, "-DeliverTo '' turns delivery off; -DeliverOn cannot go with it.");
        }

        var parts = new List<string>();
        if (Name is not null) parts.Add("name");
        if (ScheduleKinds > 0 || TimeZone is not null || Anchor is not null) parts.Add("schedule");
        if (Title is not null || Prompt is not null || Runner is not null || Model is not null || TaskId is not null || Workspace is not null) parts.Add("action");
        if (MissedRunPolicy is not null || MaxMissedRuns is not null) parts.Add("missed-run policy");
        if (DeliverTo is not null || DeliverOn is not null) parts.Add("delivery");
        return parts;
    }

    /// <summary>Applies the edit to <paramref name="job"/>; returns whether anything was asked for.</summary>
    public bool ApplyTo(JobDefinition job, DateTimeOffset now)
    {
        var parts = Parts(job.Id);
        if (Name is not null) job.Name = Name;
        ApplySchedule(job.Schedule, now);
        var a = job.Action;
        if (Workspace is not null) a.Workspace = Workspace;
        if (TaskId is not null)
        {
            a.Kind = JobActionKinds.RunTask;
            a.TaskId = TaskId;
        }
        else if (Title is not null || Prompt is not null || Runner is not null || Model is not null)
        {
            if (a.Kind == JobActionKinds.RunTask)
            {
                a.Kind = JobActionKinds.NewTask;
                a.Runner ??= Runner ?? new Tasks.TaskStore(a.Workspace).DefaultRunnerKind(Config.ConfigSources.ForCurrentProcess(a.Workspace)); // runner.default, as New-MsgcodeJob
                a.Title ??= Title ?? job.Name;
            }

            if (Title is not null) a.Title = Title;
            if (Prompt is not null) a.Prompt = Prompt;
            if (Runner is not null) a.Runner = Runner;
            if (Model is not null) a.Model = Model.Length == 0 ? null : Model;
        }

        if (MissedRunPolicy is not null) job.MissedRunPolicy.Kind = MissedRunPolicy == MissedRunPolicies.Default ? null : MissedRunPolicy;
        if (MaxMissedRuns is int max) job.MissedRunPolicy.Max = max;
        ApplyDelivery(job);
        return parts.Count > 0;
    }

    /// <summary>The delivery of a new job: none, or to <paramref name="chatGuid"/> (resolved by the caller) on answer or failure.</summary>
    public static JobDelivery NewDelivery(string? chatGuid, string? on, string target)
    {
        if (string.IsNullOrEmpty(chatGuid))
        {
            return on is null ? new JobDelivery()
                : throw new MsgcodeException(ErrorIds.JobDeliveryInvalid, MsgcodeErrorCategory.InvalidArgument, target, "-DeliverOn says when results are sent to a chat: give the chat with -DeliverTo too.");
        }

        return JobDelivery.ToChat(chatGuid, on?.ToLowerInvariant());
    }

    private void ApplyDelivery(JobDefinition job)
    {
        var d = job.Delivery;
        if (DeliverTo is { Length: 0 })
        {
            d.Mode = JobDelivery.None; // unknown fields (Extra) stay
            d.ChatGuid = d.On = null;
        }
        else if (DeliverTo is not null)
        {
            d.Mode = JobDelivery.Chat;
            d.ChatGuid = DeliverTo;
            d.On = DeliverOn?.ToLowerInvariant() ?? d.On ?? TaskDelivery.OnAnswer;
        }
        else if (DeliverOn is not null)
        {
            if (d.Mode != JobDelivery.Chat)
            {
                throw new MsgcodeException(ErrorIds.JobDeliveryInvalid, MsgcodeErrorCategory.InvalidArgument, job.Name,
                    $"Job '{job.Name}' delivers nowhere: give the chat with -DeliverTo, then -DeliverOn says when.");
            }

            d.On = DeliverOn.ToLowerInvariant();
        }
    }

    /// <summary>
    /// The action of a new job: run an existing task again (<paramref name="taskId"/>), or make a task from a
    /// template each time (<paramref name="title"/> required; the runner defaults to the workspace's runner.default).
    /// </summary>
    public static JobAction NewAction(string workspace, string? taskId, string? title, string? prompt, string? runner, string? model, string target)
    {
        if (taskId is not null)
        {
            if (title is not null || prompt is not null || runner is not null || model is not null)
            {
                throw new MsgcodeException(ErrorIds.JobActionInvalid, MsgcodeErrorCategory.InvalidArgument, taskId,
                    "A job either runs an existing task (-TaskId) or creates one from a template (-Title, -Prompt, -Runner, -Model), not both.");
            }

            return new JobAction { Kind = JobActionKinds.RunTask, Workspace = workspace, TaskId = taskId };
        }

        if (title is null)
        {
            throw new MsgcodeException(ErrorIds.JobActionInvalid, MsgcodeErrorCategory.InvalidArgument, target,
                "Say what the job does: -Title (and -Prompt, -Runner) to create a task each time, or -TaskId to run an existing task again.");
        }

        var store = new TaskStore(workspace);
        store.RequireWorkspace();
        return new JobAction
        {
            Kind = JobActionKinds.NewTask,
            Workspace = workspace,
            Title = title,
            Prompt = prompt ?? string.Empty,
            Runner = runner ?? store.DefaultRunnerKind(Config.ConfigSources.ForCurrentProcess(workspace)),
            Model = model,
        };
    }

    private void ApplySchedule(JobSchedule s, DateTimeOffset now)
    {
        if (Cron is not null)
        {
            var tz = TimeZone ?? (s.Kind == JobScheduleKinds.Cron ? s.Tz : null);
            Reset(s, JobScheduleKinds.Cron);
            s.Expr = Cron;
            s.Tz = tz;
        }
        else if (Every is TimeSpan every)
        {
            Reset(s, JobScheduleKinds.Every);
            s.EveryMs = (long)every.TotalMilliseconds;
            s.AnchorMs = (Anchor ?? now).ToUnixTimeMilliseconds();
        }
        else if (At is DateTimeOffset at)
        {
            Reset(s, JobScheduleKinds.At);
            s.AtMs = at.ToUnixTimeMilliseconds();
        }
        else
        {
            if (TimeZone is not null && s.Kind == JobScheduleKinds.Cron) s.Tz = TimeZone;
            if (Anchor is DateTimeOffset anchor && s.Kind == JobScheduleKinds.Every) s.AnchorMs = anchor.ToUnixTimeMilliseconds();
        }
    }

    private static void Reset(JobSchedule s, string kind)
    {
        s.Kind = kind;
        s.Expr = s.Tz = null;
        s.EveryMs = s.AnchorMs = s.AtMs = null;
    }
}
