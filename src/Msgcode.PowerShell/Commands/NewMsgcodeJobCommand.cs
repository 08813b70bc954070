using System.Management.Automation;
using Msgcode.Core.Jobs;
using JobDefinition = Msgcode.Core.Jobs.JobDefinition;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Creates a scheduled job: a task the daemon creates and runs (or a task it runs again) on a cron, every or at schedule.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "MsgcodeJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = CronSet)]
[OutputType(typeof(JobInfo))]
public sealed class NewMsgcodeJobCommand : JobCmdlet
{
    public const string CronSet = "Cron";
    public const string EverySet = "Every";
    public const string AtSet = "At";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ParameterSetName = CronSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Cron { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ParameterSetName = CronSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(TimeZoneCompleter))]
    [AllowEmptyString]
    public string TimeZone { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ParameterSetName = EverySet, ValueFromPipelineByPropertyName = true)]
    public TimeSpan Every { get; set; }

    [Parameter(ParameterSetName = EverySet, ValueFromPipelineByPropertyName = true)]
    public DateTime? Anchor { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = AtSet, ValueFromPipelineByPropertyName = true)]
    public DateTime At { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Title { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string? Prompt { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunnerKindCompleter))]
    public string? Runner { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Model { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    public string? TaskId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(WorkspacePathCompleter))]
    public string? Workspace { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    /// <summary>The job's own policy; without it the job follows jobs.missedRunPolicy, read at each catch-up.</summary>
    [ValidateSet(MissedRunPolicies.Skip, MissedRunPolicies.RunOnce, MissedRunPolicies.RunAll)]
    public string? MissedRunPolicy { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, JobMissedRunPolicy.Limit)]
    public int MaxMissedRuns { get; set; } = JobMissedRunPolicy.DefaultMax;

    /// <summary>The chat each result is sent to: its GUID, id or last characters, with an active route. Empty: no delivery.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ChatGuidCompleter))]
    [AllowNull]
    [AllowEmptyString]
    public string? DeliverTo { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public JobDeliverOn? DeliverOn { get; set; }

    [Parameter]
    public SwitchParameter Disabled { get; set; }

    /// <summary>Accepts a runner name no runner has yet (one you will add to capabilities.json later).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecordCore()
    {
        var workspace = ResolveWorkspace(Workspace);
        var job = new JobDefinition
        {
            Name = Name,
            Enabled = !Disabled,
            Schedule = ParameterSetName switch
            {
                EverySet => JobSchedule.Every(Every, Anchor is DateTime anchor ? Instant(anchor) : DateTimeOffset.UtcNow),
                AtSet => JobSchedule.At(Instant(At)),
                _ => JobSchedule.Cron(Cron, TimeZone),
            },
            Action = JobEdit.NewAction(workspace, TaskId, Title, Prompt, RunnerCheck.Require(this, Runner, Force), Model, Name),
            MissedRunPolicy = new JobMissedRunPolicy { Kind = MissedRunPolicy, Max = MaxMissedRuns },
            Delivery = JobEdit.NewDelivery(DeliveryChat(DeliverTo), DeliverOn?.ToString(), Name),
        };
        if (!ShouldProcess(Store().Path, $"Create job '{Name}' ({job.Schedule})"))
        {
            return;
        }

        WriteObject(Info(Store().Create(job)));
    }
}
