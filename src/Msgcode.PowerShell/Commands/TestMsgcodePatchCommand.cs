using System.Management.Automation;
using Msgcode.Core.Errors;
using Msgcode.Core.Worktrees;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Tests whether a task's patch applies cleanly to the main branch's current HEAD; -Detailed reports drift, conflicts and local changes.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MsgcodePatch", DefaultParameterSetName = QuietSet)]
[OutputType(typeof(bool), ParameterSetName = [QuietSet])]
[OutputType(typeof(PatchCheck), ParameterSetName = [DetailedSet])]
public sealed class TestMsgcodePatchCommand : TaskCmdlet
{
    public const string QuietSet = "Quiet";
    public const string DetailedSet = "Detailed";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskId")]
    [ArgumentCompleter(typeof(TaskIdCompleter))]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = string.Empty;

    /// <summary>A patch file of the task other than its newest.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = DetailedSet)]
    public SwitchParameter Detailed { get; set; }

    protected override void ProcessRecordCore()
    {
        try
        {
            var check = Worktrees().Check(Id, Path is null ? null : ResolvePath(Path), CancellationToken);
            if (Detailed)
            {
                WriteObject(check);
                return;
            }

            WriteVerbose(check.Message);
            WriteObject(check.AppliesCleanly && check.LocalChangesTouched.Length == 0);
        }
        catch (MsgcodeException ex)
        {
            WriteMsgcodeError(ex);
        }
    }
}
