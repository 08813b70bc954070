using Msgcode.Core.Errors;
using Msgcode.Core.Runs;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Tasks;

/// <summary>Removing a task (Remove-MsgcodeTask): its files go, and its run history stays unless asked for too.</summary>
public sealed partial class TaskStore
{
    /// <summary>
    /// Removes a task: its .md, its .json, its copied input files (tasks/inputs/&lt;id&gt;) and its index entry. A task that
    /// is running, or has a run queued for the daemon, is refused (TaskAlreadyRunning) and nothing changes. Its run records
    /// in runs.jsonl (and their artifacts) are kept, as the history of what ran, unless <paramref name="removeRuns"/>.
    /// </summary>
    /// <returns>The ids of the run records removed (none unless <paramref name="removeRuns"/>).</returns>
    public IReadOnlyCollection<string> Remove(string idOrPrefix, bool removeRuns)
    {
        var id = Resolve(idOrPrefix);
        var ledger = new RunLedger(LedgerPath);
        using (FileLock.Acquire(UpdateLockPath))
        {
            // Under the update lock, so no run can claim the task between the check and the removal.
            var document = ReadDocument(id);
            if (document.Status == TaskStatuses.Running && TaskExecution.IsLive(document.CurrentRun))
            {
                throw new MsgcodeException(ErrorIds.TaskAlreadyRunning, MsgcodeErrorCategory.ResourceUnavailable, id,
                    $"Task {id} is running (run {document.CurrentRun?.RunId}, PID {document.CurrentRun?.Pid}); it is not removed under its runner. Nothing was removed. "
                    + $"Wait for it (Wait-MsgcodeTask {id}) or stop that process, then remove it.");
            }

            if (ledger.NewestRuns(1, id).FirstOrDefault() is { Status: "queued" } queued)
            {
                throw new MsgcodeException(ErrorIds.TaskAlreadyRunning, MsgcodeErrorCategory.ResourceUnavailable, id,
                    $"Task {id} has run {queued.RunId} queued for the daemon. Nothing was removed. Wait for it (Wait-MsgcodeTask -RunId {queued.RunId}), then remove the task.");
            }

            // The .md first: a crash after it leaves a task whose .md is written again on its next update, while a .md
            // without its .json would be reported as a broken task.
            DeleteFile(MarkdownPath(id));
            DeleteFile(JsonPath(id));
        }

        TaskInputFiles.Remove(this, id);
        RefreshIndex();
        if (!removeRuns)
        {
            return [];
        }

        var removed = ledger.RemoveRunsOf(id);
        foreach (var runId in removed)
        {
            var artifacts = Path.Combine(ArtifactsDirectory, runId);
            try
            {
                if (Directory.Exists(artifacts))
                {
                    Directory.Delete(artifacts, recursive: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The records are gone; an artifact folder that cannot be deleted now is only disk space, and the doctor's
                // disk check shows it.
            }
        }

        return removed;
    }

    private void DeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MsgcodeException(ErrorIds.WorkspaceNotWritable, MsgcodeErrorCategory.PermissionDenied, path,
                $"Cannot remove '{path}': {ex.Message} Check the permissions of '{TasksDirectory}'.", ex);
        }
    }
}
