using System.Management.Automation;
using Msgcode.Core.Memory;
using Msgcode.Core.Tasks;
using Msgcode.PowerShell.Completers;
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

    /// <summary>The task the note is about (an id, a prefix, or an object naming a task): recorded as its source, so the note's TaskId names it.</summary>
    [Parameter]
    [TaskIdTransformation]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string? TaskId { get; set; }

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

        var entry = store.Add(Text, Tag, TaskId is null ? null : new TaskStore(workspace).Resolve(TaskId));
        if (PassThru)
        {
            WriteObject(entry);
        }
    }
}
