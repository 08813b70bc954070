using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Jobs;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Gets scheduled jobs with their next and last run: all of them, or those named by id, id prefix or name (wildcards allowed).</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MsgcodeJob", DefaultParameterSetName = IdSet)]
[OutputType(typeof(JobInfo))]
public sealed class GetMsgcodeJobCommand : JobCmdlet
{
    private const string IdSet = "Id";
    private const string NameSet = "Name";

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [Alias("JobId")]
    [ArgumentCompleter(typeof(JobCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    /// <summary>Jobs by name only (wildcards allowed), as Get-Process -Name: never an id, and no error when none matches a wildcard.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameSet)]
    [ArgumentCompleter(typeof(JobCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Only enabled jobs.</summary>
    [Parameter]
    public SwitchParameter Enabled { get; set; }

    protected override void ProcessRecordCore()
    {
        var selected = Store().List().Where(j => !Enabled || j.Enabled);
        if (ParameterSetName == NameSet)
        {
            var jobs = selected.ToList();
            foreach (var name in Name)
            {
                var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
                var named = jobs.Where(j => pattern.IsMatch(j.Name)).ToList();
                if (named.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                {
                    WriteMsgcodeError(new MsgcodeException(ErrorIds.JobNotFound, MsgcodeErrorCategory.ObjectNotFound, name,
                        $"No job is named '{name}'. Get-MsgcodeJob lists the jobs (-Id also takes an id or id prefix)."));
                }

                WriteObject(named.Select(Info), enumerateCollection: true);
            }

            return;
        }

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
