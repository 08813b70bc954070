using System.Management.Automation;
using Msgcode.Core.Channels;
using Msgcode.Core.Config;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Binds a chat to a workspace (or changes its label, runner or status): the chat's messages become tasks there.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "MsgcodeRoute", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ChatRoute))]
public sealed class SetMsgcodeRouteCommand : MsgcodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ChatGuidCompleter))]
    [ValidateNotNullOrEmpty]
    public string ChatGuid { get; set; } = string.Empty;

    /// <summary>The workspace folder; it must exist. Defaults to the route's current workspace.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(WorkspacePathCompleter))]
    public string? Workspace { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Label { get; set; }

    /// <summary>Runner kind of the tasks made from this chat (defaults to the workspace's runner.default).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(RunnerKindCompleter))]
    public string? Runner { get; set; }

    [Parameter]
    [ValidateSet(RouteStatuses.Active, RouteStatuses.Paused)]
    public string? Status { get; set; }

    /// <summary>How answers are sent: text, audio (spoken by the tts runner) or both.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateSet(VoiceReplyModes.Text, VoiceReplyModes.Audio, VoiceReplyModes.Both)]
    public string? VoiceReply { get; set; }

    /// <summary>The answer to a voice note starts with the words heard; -ShowTranscript:$false turns it off.</summary>
    [Parameter]
    public SwitchParameter ShowTranscript { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Accepts a runner name no runner has yet (one you will add to capabilities.json later).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override bool RecordErrorsAreNonTerminating => true;

    protected override void ProcessRecordCore()
    {
        var runner = RunnerCheck.Require(this, Runner, Force);
        var store = new RouteStore(MsgcodeHome.Resolve());
        var plan = store.PlanSet(ChatGuid, Workspace is null ? null : ResolveWorkspace(Workspace), Status);
        ConfigStore.RequireWorkspace(plan.Workspace);
        if (!ShouldProcess(plan.ChatGuid, DescribeChange(store.Find(plan.ChatGuid), plan.Workspace, plan.Status)))
        {
            return;
        }

        var route = store.Bind(plan.ChatGuid, plan.Workspace, Label, runner, plan.Status, VoiceReply,
            MyInvocation.BoundParameters.ContainsKey(nameof(ShowTranscript)) ? ShowTranscript.IsPresent : null);
        if (PassThru)
        {
            WriteObject(route);
        }
    }

    /// <summary>What -WhatIf and -Confirm say will happen: a new binding, a move to another workspace, or the settings that change.</summary>
    private string DescribeChange(ChatRoute? existing, string workspace, string? status)
    {
        if (existing is null)
        {
            return $"Bind the chat to '{workspace}'";
        }

        var changes = new List<string>();
        if (!string.Equals(Path.TrimEndingDirectorySeparator(workspace), existing.Workspace, StringComparison.Ordinal))
        {
            changes.Add($"workspace '{existing.Workspace}' -> '{workspace}'");
        }

        var newStatus = status ?? RouteStatuses.Active;
        if (newStatus != existing.Status)
        {
            changes.Add($"status {existing.Status} -> {newStatus}");
        }

        foreach (var (name, before, after) in new[] { ("label", existing.Label, Label), ("runner", existing.Runner, Runner), ("voice reply", existing.VoiceReply ?? VoiceReplyModes.Text, VoiceReply) })
        {
            if (after is not null && after != before)
            {
                changes.Add($"{name} '{before}' -> '{after}'");
            }
        }

        return changes.Count == 0 ? $"Keep the chat's route to '{existing.Workspace}' as it is" : $"Change the chat's route: {string.Join(", ", changes)}";
    }
}
