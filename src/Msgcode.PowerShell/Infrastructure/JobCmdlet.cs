using Msgcode.Core.Config;
using Msgcode.Core.Jobs;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>
/// Shared by the job cmdlets: the store of the msgcode home (<c>&lt;home&gt;/jobs.json</c>). Each input is handled on
/// its own: a Core error about one job is written and the next is processed.
/// </summary>
public abstract class JobCmdlet : MsgcodeCmdlet
{
    private JobStore? _store;

    protected override bool RecordErrorsAreNonTerminating => true;

    protected JobStore Store() => _store ??= new JobStore(MsgcodeHome.Resolve());

    private string? _missedRunPolicySetting;

    /// <summary>The job as shown; a job without its own missed-run policy shows jobs.missedRunPolicy as it is now.</summary>
    protected JobInfo Info(JobDefinition job) => new(job, Store().Path, _missedRunPolicySetting ??=
        ConfigResolver.ResolveCached(ConfigSources(null)).GetString("jobs.missedRunPolicy") ?? MissedRunPolicies.RunOnce);

    /// <summary>
    /// The chat GUID of -DeliverTo as typed (a GUID, a normalized id, or its last characters, as Get-MsgcodeRoute takes
    /// it), whose route must be active (RouteNotFound otherwise); an empty string stays empty (no delivery), null null.
    /// </summary>
    protected static string? DeliveryChat(string? typed) => string.IsNullOrWhiteSpace(typed) ? typed is null ? null : string.Empty
        : Core.Channels.JobDeliveries.RequireActiveRoute(new Core.Channels.RouteStore(MsgcodeHome.Resolve()), typed).ChatGuid;

    /// <summary>A date as the user typed it (local unless it says otherwise) as a UTC instant.</summary>
    protected static DateTimeOffset Instant(DateTime value) => new(value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime(), TimeSpan.Zero);
}
