using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Gets scheduled jobs with their next and last run: all of them, or those named by id, id prefix or name (wildcards allowed).</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeJob")]
[OutputType(typeof(JobInfo))]
public sealed class GetMsgcodeJobCommand : JobCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("JobId")]
    [ArgumentCompleter(typeof(JobCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Only enabled jobs.</summary>
    [Parameter]
    public SwitchParameter Enabled { get; set; }

    protected override void ProcessRecordCore()
    {
        var selected = Store().List().Where(j => !Enabled || j.Enabled);
        if (Id is null)
        {
            WriteObject(selected.Select(Info), enumerateCollection: true);
            return;
        }

        var list = selected.ToList();
        foreach (var id in Id)
        {
            if (WildcardPattern.ContainsWildcardCharacters(id))
            {
                var pattern = WildcardPattern.Get(id, WildcardOptions.IgnoreCase);
                WriteObject(list.Where(j => pattern.IsMatch(j.Id) || pattern.IsMatch(j.Name)).Select(Info), enumerateCollection: true);
                continue;
            }

            try
            {
                WriteObject(Info(JobStore.Resolve(list, id)));
            }
            catch (MsgcodeException ex)
            {
                WriteMsgcodeError(ex);
            }
        }
    }
}
