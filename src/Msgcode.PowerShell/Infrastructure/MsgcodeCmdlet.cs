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

    /// <summary>
    /// A path as the user meant it: relative to the current location, <c>~</c> and PSDrives expanded, taken literally
    /// (brackets are not wildcards, backticks are not escapes). A path on a provider other than the file system (Env:,
    /// Variable:, a drive that does not exist) is refused with PathNotFileSystem rather than turned into a file name.
    /// </summary>
    protected string ResolvePath(string path) => ResolveFileSystemPath(path, ErrorIds.PathNotFileSystem, "a file or folder");

    /// <summary>
    /// The workspace folder named by <paramref name="workspace"/>, or the current location when it is null; either must be
    /// in the file system (WorkspaceNotFileSystem), so a location on Env: never falls back to the last file system folder.
    /// </summary>
    protected string ResolveWorkspace(string? workspace)
    {
        if (workspace is not null)
        {
            return ResolveFileSystemPath(workspace, ErrorIds.WorkspaceNotFileSystem, "a workspace folder");
        }

        var location = SessionState.Path.CurrentLocation;
        if (!IsFileSystem(location.Provider))
        {
            throw new MsgcodeException(ErrorIds.WorkspaceNotFileSystem, MsgcodeErrorCategory.InvalidArgument, location.Path,
                $"The current location '{location.Path}' is on the {location.Provider.Name} provider, and a workspace is a folder in the file system. "
                + "Set-Location to the workspace folder, or name it with -Workspace.");
        }

        return location.ProviderPath;
    }

    /// <summary>The configuration sources of this process, with an optional workspace.</summary>
    protected ConfigSources ConfigSources(string? workspace) => Core.Config.ConfigSources.ForCurrentProcess(workspace is null ? null : ResolveWorkspace(workspace));

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

    /// <summary>
    /// Errors about one input's path, written and not thrown by every cmdlet: the path was this input's, the next input may
    /// be fine, and -ErrorAction (SilentlyContinue, say, in a script that walks folders) must be able to decide.
    /// </summary>
    private static bool IsInputPathError(MsgcodeException exception)
        => exception.ErrorId is ErrorIds.WorkspaceNotFileSystem or ErrorIds.PathNotFileSystem;

    private static bool IsFileSystem(ProviderInfo provider) => provider.ImplementingType == typeof(Microsoft.PowerShell.Commands.FileSystemProvider);

    private string ResolveFileSystemPath(string path, string errorId, string what)
    {
        string resolved;
        ProviderInfo provider;
        try
        {
            resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }
        catch (Exception ex) when (ex is System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException or PSArgumentException)
        {
            throw new MsgcodeException(errorId, MsgcodeErrorCategory.InvalidArgument, path,
                $"'{path}' is not a path in the file system ({ex.Message}), and msgcode needs {what} there. Give a file system path.", ex);
        }

        if (!IsFileSystem(provider) || string.IsNullOrEmpty(resolved))
        {
            throw new MsgcodeException(errorId, MsgcodeErrorCategory.InvalidArgument, path,
                $"'{path}' is on the {provider.Name} provider, and msgcode needs {what} in the file system. Give a file system path (a folder such as ~/project or ./project).");
        }

        return resolved;
    }

    private void Guard(Action action, bool nonTerminating = false)
    {
        try
        {
            action();
        }
        catch (MsgcodeException ex) when (nonTerminating || IsInputPathError(ex))
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
