using System.Management.Automation;
using Msgcode.Core.Channels;
using Msgcode.Core.Config;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Unbinds a chat: its route is archived (kept in routes.json) and its workspace is left as it is.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "MsgcodeRoute", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ChatRoute))]
public sealed class RemoveMsgcodeRouteCommand : MsgcodeCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ChatGuidCompleter))]
    [ValidateNotNullOrEmpty]
    public string ChatGuid { get; set; } = string.Empty;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override bool RecordErrorsAreNonTerminating => true;

    protected override void ProcessRecordCore()
    {
        var store = new RouteStore(MsgcodeHome.Resolve());
        var route = store.Get(ChatGuid);
        if (!ShouldProcess(route.ChatGuid, $"Archive the route to '{route.Workspace}' (the workspace is kept)"))
        {
            return;
        }

        var archived = store.SetStatus(route.ChatGuid, RouteStatuses.Archived);
        if (PassThru)
        {
            WriteObject(archived);
        }
    }
}
