using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Tasks;

/// <summary>
/// A task's input files (<c>New-MsgcodeTask -File</c>, a chat message's attachments). They are copied into
/// <c>tasks/inputs/&lt;taskId&gt;/</c> when the task is made, and the task records the copies (workspace-relative):
/// the task keeps working when the original is moved or deleted (a Messages attachment folder is cleaned up by the
/// system), and an attempt or a re-run reads the very bytes the first run read.
/// </summary>
public static class TaskInputFiles
{
    public const string FolderName = "inputs";

    /// <summary>Where a task's copies live.</summary>
    public static string FolderOf(TaskStore store, string taskId) => Path.Combine(store.TasksDirectory, FolderName, taskId);

    /// <summary>
    /// Every given file as a full path (a relative one is relative to the workspace, as a task records them), checked
    /// before anything is written: each must be an existing file of at most <paramref name="maxBytes"/>.
    /// </summary>
    public static IReadOnlyList<string> Check(string workspace, IEnumerable<string> files, long maxBytes)
    {
        var checkedFiles = new List<string>();
        foreach (var given in files)
        {
            if (string.IsNullOrWhiteSpace(given))
            {
                throw NotFound(given ?? string.Empty, "an empty path");
            }

            var full = Path.GetFullPath(given, workspace);
            if (Directory.Exists(full))
            {
                throw NotFound(full, "a folder, not a file");
            }

            var info = new FileInfo(full);
            if (!info.Exists)
            {
                throw NotFound(full, "not there");
            }

            if (info.Length > maxBytes)
            {
                throw new MsgcodeException(ErrorIds.TaskInputFileTooLarge, MsgcodeErrorCategory.LimitsExceeded, full,
                    $"The input file '{full}' has {info.Length:N0} bytes, more than tasks.maxInputFileBytes ({maxBytes:N0}). Pass a smaller file, or raise the limit: Set-MsgcodeConfig tasks.maxInputFileBytes <bytes>.");
            }

            checkedFiles.Add(full);
        }

        return checkedFiles;
    }

    /// <summary>
    /// Copies checked files into the task's folder (a second file of the same name gets a suffix: note.wav,
    /// note-2.wav) and returns the copies' workspace-relative paths, in the given order. On a failure the folder is
    /// removed again and the error thrown: a task is made with all its files or not at all.
    /// </summary>
    public static string[] CopyIn(TaskStore store, string taskId, IReadOnlyList<string> files)
    {
        if (files.Count == 0)
        {
            return [];
        }

        var folder = FolderOf(store, taskId);
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var copies = new List<string>();
        try
        {
            foreach (var source in files)
            {
                var name = FreeName(Path.GetFileName(source), taken);
                var target = Path.Combine(folder, name);
                using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16))
                using (var output = new AtomicFileStream(target))
                {
                    input.CopyTo(output, 1 << 16);
                    output.Commit();
                }

                copies.Add(Path.GetRelativePath(store.Workspace, target).Replace('\\', '/'));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Remove(store, taskId);
            throw new MsgcodeException(ex is FileNotFoundException or DirectoryNotFoundException ? ErrorIds.TaskInputFileNotFound : ErrorIds.WorkspaceNotWritable,
                ex is FileNotFoundException or DirectoryNotFoundException ? MsgcodeErrorCategory.ObjectNotFound : MsgcodeErrorCategory.WriteError, folder,
                $"The task's input files could not be copied into '{folder}' ({ex.Message}); no task was made. Check the files and the workspace's free space and permissions.", ex);
        }

        return [.. copies];
    }

    /// <summary>The recorded input files of a task as full paths (relative ones against the workspace).</summary>
    public static IReadOnlyList<string> Resolve(string workspace, IEnumerable<string> recorded)
        => recorded.Where(f => !string.IsNullOrWhiteSpace(f)).Select(f => Path.GetFullPath(f, workspace)).ToList();

    /// <summary>Removes a task's copies (when the task itself goes); a folder that is not there is fine.</summary>
    public static void Remove(TaskStore store, string taskId)
    {
        var folder = FolderOf(store, taskId);
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string FreeName(string name, HashSet<string> taken)
    {
        var stem = Path.GetFileNameWithoutExtension(name);
        var extension = Path.GetExtension(name);
        var candidate = name;
        for (var n = 2; !taken.Add(candidate); n++)
        {
            candidate = $"{stem}-{n}{extension}";
        }

        return candidate;
    }

    private static MsgcodeException NotFound(string path, string what) => new(ErrorIds.TaskInputFileNotFound, MsgcodeErrorCategory.ObjectNotFound, path,
        $"The input file '{path}' is {what}. Pass the path of an existing file to -File.");
}
