using System.Management.Automation;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Runners;
using Msgcode.PowerShell.Completers;
using Msgcode.PowerShell.Infrastructure;

namespace Msgcode.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Calls one runner with a prompt, without a task, and returns its answer.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "MsgcodeRunner", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RunnerOutput))]
public sealed class InvokeMsgcodeRunnerCommand : TaskCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(RunnerKindCompleter))]
    [ValidateNotNullOrEmpty]
    public string Kind { get; set; } = string.Empty;

    [Parameter(Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Prompt { get; set; } = string.Empty;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Model { get; set; }

    /// <summary>Input files handed to the runner (an audio file for asr, an image for ocr or vision).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Files")]
    [ArgumentCompleter(typeof(LiteralPathCompleter))]
    public string[]? File { get; set; }

    [Parameter]
    [ValidateRange(1, 7 * 24 * 3600)]
    public int TimeoutSec { get; set; } = 600;

    protected override void ProcessRecordCore()
    {
        var workspace = WorkspacePath;
        if (!ShouldProcess(workspace, $"Run the {Kind} runner"))
        {
            return;
        }

        var options = RunOptions(TimeSpan.FromSeconds(TimeoutSec), force: false).ForRunnerCall();
        var artifacts = Path.Combine(MsgcodeHome.Resolve().Path, "artifacts");
        var files = File?.Select(ResolvePath).ToList();
        var run = RunnerInvocation.RunAsync(HostCommand.Runners(this), Kind, Prompt ?? string.Empty, workspace, Model, artifacts, options, CancellationToken, files);
        while (!((IAsyncResult)run).AsyncWaitHandle.WaitOne(250))
        {
        }

        var output = run.GetAwaiter().GetResult();
        if (output.Status == RunStatuses.Canceled && CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }

        WriteObject(output);
        if (output.ErrorCode is not null)
        {
            WriteMsgcodeError(new MsgcodeException(output.ErrorCode, MsgcodeErrorCategory.InvalidOperation, Kind, $"The {Kind} runner {output.Status}: {output.ErrorMessage}"));
        }
    }
}
