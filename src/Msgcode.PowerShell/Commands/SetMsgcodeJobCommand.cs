using System.Management.Automation;
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
    [ArgumentCompleter(typeof(WorkspacePathCompleter))]
    public string? Workspace { get; set; }

    [Parameter]
    /// <summary>The job's own policy; default: follow jobs.missedRunPolicy again.</summary>
    [ValidateSet(MissedRunPolicies.Skip, MissedRunPolicies.RunOnce, MissedRunPolicies.RunAll, MissedRunPolicies.Default)]
    public string? MissedRunPolicy { get; set; }

    [Parameter]
    [ValidateRange(1, JobMissedRunPolicy.Limit)]
    public int? MaxMissedRuns { get; set; }

    /// <summary>The chat each result is sent to (its GUID, id or last characters, with an active route); '' turns delivery off.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ChatGuidCompleter))]
    [AllowEmptyString]
    public string? DeliverTo { get; set; }

    [Parameter]
    public JobDeliverOn? DeliverOn { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Accepts a runner name no runner has yet (one you will add to capabilities.json later).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecordCore()
    {
        var edit = new JobEdit
        {
            Name = Name, Cron = Cron, TimeZone = TimeZone, Every = Every, Anchor = Anchor is DateTime anchor ? Instant(anchor) : null, At = At is DateTime at ? Instant(at) : null,
            Title = Title, Prompt = Prompt, Runner = RunnerCheck.Require(this, Runner, Force), Model = Model, TaskId = TaskId, Workspace = Workspace is null ? null : ResolveWorkspace(Workspace),
            MissedRunPolicy = MissedRunPolicy, MaxMissedRuns = MaxMissedRuns, DeliverTo = DeliveryChat(DeliverTo), DeliverOn = DeliverOn?.ToString(),
        };
        var parts = edit.Parts(Id);
        if (!ShouldProcess(Id, $"Set {(parts.Count == 0 ? "nothing" : string.Join(", ", parts))}"))
        {
            return;
        }

        var job = Store().Change(Id, j => edit.ApplyTo(j, DateTimeOffset.UtcNow));
        if (PassThru)
        {
            WriteObject(Info(job));
        }
    }
}
