using System.Management.Automation;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;

namespace Msgcode.PowerShell.Infrastructure;

/// <summary>
/// Base of every msgcode cmdlet: path resolution the PowerShell way, Ctrl+C as a cancellation token,
/// and the mapping of Core's errors (stable ErrorIds) to ErrorRecords. No raw exception escapes: a Core error
/// out of <see cref="ProcessRecordCore"/> is written as an error when <see cref="RecordErrorsAreNonTerminating"/>,
/// and otherwise (and out of the other phases) ends the pipeline.
/// </summary>
public abstract class MsgcodeCmdlet : PSCmdlet, IDisposable
{
    public const string UnexpectedErrorId = "UnexpectedError";

    private readonly CancellationTokenSource _cancellation = new();

    /// <summary>Core reads secrets kept in a SecretManagement vault through this module (the daemon too: it runs in pwsh).</summary>
    static MsgcodeCmdlet() => SecretVaults.Use(SecretManagementVault.Instance);

    protected CancellationToken CancellationToken => _cancellation.Token;

    protected sealed override void BeginProcessing() => Guard(BeginProcessingCore);

    protected sealed override void ProcessRecord() => Guard(ProcessRecordCore, RecordErrorsAreNonTerminating);

    protected sealed override void EndProcessing() => Guard(EndProcessingCore);

    /// <summary>
    /// True: a <see cref="MsgcodeException"/> out of <see cref="ProcessRecordCore"/> is written with
    /// <see cref="WriteMsgcodeError"/> and the cmdlet goes on with the next input, so one bad item of a piped list
    /// does not stop the others. False (the default): it terminates the pipeline.
    /// </summary>
    protected virtual bool RecordErrorsAreNonTerminating => false;

    protected virtual void BeginProcessingCore()
    {
    }

    protected virtual void ProcessRecordCore()
    {
    }

    protected virtual void EndProcessingCore()
    {
    }

    protected override void StopProcessing() => _cancellation.Cancel();

    public void Dispose()
    {
        _cancellation.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A path as the user meant it: relative to the current location, <c>~</c> and PSDrives expanded.</summary>
    protected string ResolvePath(string path) => GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>The configuration sources of this process, with an optional workspace.</summary>
    protected ConfigSources ConfigSources(string? workspace) => Core.Config.ConfigSources.ForCurrentProcess(workspace is null ? null : ResolvePath(workspace));

    protected void WriteMsgcodeError(MsgcodeException exception) => WriteError(ToErrorRecord(exception));

    protected void WriteIssue(ConfigIssue issue)
    {
        if (issue.IsWarning)
        {
            WriteWarning($"{issue.ErrorId}: {issue}");
            return;
        }

        var exception = new MsgcodeException(issue.ErrorId, MsgcodeErrorCategory.InvalidData, issue.Path, issue.ToString());
        WriteError(ToErrorRecord(exception));
    }

    internal static ErrorRecord ToErrorRecord(MsgcodeException exception)
    {
        var category = Enum.TryParse<ErrorCategory>(exception.Category.ToString(), out var mapped) ? mapped : ErrorCategory.NotSpecified;
        return new ErrorRecord(exception, exception.ErrorId, category, exception.Target);
    }

    private void Guard(Action action, bool nonTerminating = false)
    {
        try
        {
            action();
        }
        catch (MsgcodeException ex) when (nonTerminating)
        {
            WriteMsgcodeError(ex);
        }
        catch (MsgcodeException ex)
        {
            // Reaching here means the cmdlet cannot go on: terminate this pipeline with the stable id.
            ThrowTerminatingError(ToErrorRecord(ex));
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception ex) when (ex is not PipelineStoppedException and not ActionPreferenceStopException and not HaltCommandException and not RuntimeException)
        {
            ThrowTerminatingError(new ErrorRecord(ex, UnexpectedErrorId, ErrorCategory.NotSpecified, null));
        }
    }
}
