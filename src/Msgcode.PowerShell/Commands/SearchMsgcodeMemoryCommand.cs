using System.Management.Automation;
using Msgcode.Core.Memory;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Searches the workspace's memory notes, best match first.</para>
/// </summary>
[Cmdlet(VerbsCommon.Search, "MsgcodeMemory")]
[OutputType(typeof(MemoryHit))]
public sealed class SearchMsgcodeMemoryCommand : WorkspaceCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Query { get; set; } = string.Empty;

    [Parameter]
    [ValidateRange(1, 10000)]
    public int Top { get; set; } = 10;

    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only notes that carry every one of these tags (a leading # is ignored).</summary>
    [Parameter]
    [Alias("Tags")]
    [ArgumentCompleter(typeof(MemoryTagCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Tag { get; set; }

    protected override void ProcessRecordCore()
    {
        var store = new MemoryStore(WorkspacePath);
        var since = Since is DateTime from ? DateOnly.FromDateTime(from) : (DateOnly?)null;
        WriteObject(store.Search(Query, Top, since, Tag), enumerateCollection: true);
    }
}
