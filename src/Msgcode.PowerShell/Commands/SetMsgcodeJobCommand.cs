using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Changes a scheduled job: its name, schedule, action or missed-run policy. A new schedule counts from now.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "MsgcodeJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(JobInfo))]
public sealed class SetMsgcodeJobCommand : JobCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ArgumentCompleter(typeof(JobCompleter))]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Cron { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(TimeZoneCompleter))]
    [AllowEmptyString]
    public string? TimeZone { get; set; }

    [Parameter]
    public TimeSpan? Every { get; set; }

    [Parameter]
    public DateTime? Anchor { get; set; }

    [Parameter]
    public DateTime? At { get; set; }

    [Parameter]
    public string? Title { get; set; }

    [Parameter]
    [AllowEmptyString]
    public string? Prompt { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(RunnerKindCompleter))]
    public string? Runner { get; set; }

    [Parameter]
    public string? Model { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public string? TaskId { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Workspace { get; set; }

    [Parameter]
    [ValidateSet(MissedRunPolicies.Skip, MissedRunPolicies.RunOnce, MissedRunPolicies.RunAll)]
    public string? MissedRunPolicy { get; set; }

    [Parameter]
    [ValidateRange(1, JobMissedRunPolicy.Limit)]
    public int? MaxMissedRuns { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        try
        {
            var scheduleKinds = (Cron is not null ? 1 : 0) + (Every is not null ? 1 : 0) + (At is not null ? 1 : 0);
            if (scheduleKinds > 1)
            {
                throw new MsgcodeException(ErrorIds.JobScheduleInvalid, MsgcodeErrorCategory.InvalidArgument, Id, "Give one schedule: -Cron (with -TimeZone), -Every (with -Anchor) or -At.");
            }

            var changes = new List<string>();
            if (Name is not null) changes.Add("name");
            if (scheduleKinds > 0 || TimeZone is not null || Anchor is not null) changes.Add("schedule");
            if (Title is not null || Prompt is not null || Runner is not null || Model is not null || TaskId is not null || Workspace is not null) changes.Add("action");
            if (MissedRunPolicy is not null || MaxMissedRuns is not null) changes.Add("missed-run policy");
            if (!ShouldProcess(Id, $"Set {(changes.Count == 0 ? "nothing" : string.Join(", ", changes))}"))
            {
                return;
            }

            var workspace = Workspace is null ? null : ResolvePath(Workspace);
            var job = Store().Change(Id, j =>
            {
                if (Name is not null) j.Name = Name;
                ApplySchedule(j.Schedule);
                var a = j.Action;
                if (workspace is not null) a.Workspace = workspace;
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
                        a.Runner ??= Runner ?? "pwsh";
                        a.Title ??= Title ?? j.Name;
                    }

                    if (Title is not null) a.Title = Title;
                    if (Prompt is not null) a.Prompt = Prompt;
                    if (Runner is not null) a.Runner = Runner;
                    if (Model is not null) a.Model = Model.Length == 0 ? null : Model;
                }

                if (MissedRunPolicy is not null) j.MissedRunPolicy.Kind = MissedRunPolicy;
                if (MaxMissedRuns is int max) j.MissedRunPolicy.Max = max;
                return changes.Count > 0;
            });
            if (PassThru)
            {
                WriteObject(Info(job));
            }
        }
        catch (MsgcodeException ex)
        {
            WriteMsgcodeError(ex);
        }
    }

    private void ApplySchedule(JobSchedule s)
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
            s.AnchorMs = (Anchor is DateTime anchor ? Instant(anchor) : DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();
        }
        else if (At is DateTime at)
        {
            Reset(s, JobScheduleKinds.At);
            s.AtMs = Instant(at).ToUnixTimeMilliseconds();
        }
        else
        {
            if (TimeZone is not null && s.Kind == JobScheduleKinds.Cron) s.Tz = TimeZone;
            if (Anchor is DateTime anchor && s.Kind == JobScheduleKinds.Every) s.AnchorMs = Instant(anchor).ToUnixTimeMilliseconds();
        }
    }

    private static void Reset(JobSchedule s, string kind)
    {
        s.Kind = kind;
        s.Expr = s.Tz = null;
        s.EveryMs = s.AnchorMs = s.AtMs = null;
    }
}
