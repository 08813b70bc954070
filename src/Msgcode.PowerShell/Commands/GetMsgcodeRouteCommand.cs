using System.Management.Automation;
using Msgcode.Core.Channels;
using Msgcode.Core.Config;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Lists the chat routes: which chat is bound to which workspace, with what runner and status.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeRoute")]
[OutputType(typeof(ChatRoute))]
public sealed class GetMsgcodeRouteCommand : MsgcodeCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ChatGuidCompleter))]
    [ValidateNotNullOrEmpty]
    public string? ChatGuid { get; set; }

    /// <summary>Only routes in this status (archived routes are listed only when asked for).</summary>
    [Parameter]
    [ValidateSet(RouteStatuses.Active, RouteStatuses.Paused, RouteStatuses.Archived)]
    public string[]? Status { get; set; }

    protected override bool RecordErrorsAreNonTerminating => true;

    protected override void ProcessRecordCore()
    {
        var store = new RouteStore(MsgcodeHome.Resolve());
        if (ChatGuid is not null)
        {
            WriteObject(store.Get(ChatGuid));
            return;
        }

        var wanted = Status ?? [RouteStatuses.Active, RouteStatuses.Paused];
        WriteObject(store.List().Where(r => wanted.Contains(r.Status, StringComparer.OrdinalIgnoreCase)), enumerateCollection: true);
    }
}
