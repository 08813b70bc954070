using System.Management.Automation;
using Msgcode.Core.Memory;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Appends a note to the workspace's memory (memory/YYYY-MM-DD.md).</para>
/// </summary>
[Cmdlet(VerbsCommon.Add, "MsgcodeMemory", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(MemoryEntry))]
public sealed class AddMsgcodeMemoryCommand : WorkspaceCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Text { get; set; } = string.Empty;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Tags")]
    public string[]? Tag { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecordCore()
    {
        var workspace = WorkspacePath;
        var store = new MemoryStore(workspace);
        var preview = Text.Length > 40 ? Text[..40] + "…" : Text;
        if (!ShouldProcess(MemoryPaths.MemoryDirectory(workspace), $"Add memory note '{preview.ReplaceLineEndings(" ")}'"))
        {
            return;
        }

        var entry = store.Add(Text, Tag);
        if (PassThru)
        {
            WriteObject(entry);
        }
    }
}
