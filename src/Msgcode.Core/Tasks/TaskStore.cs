using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Tasks;

/// <summary>
/// The per-workspace task store: <c>tasks/&lt;id&gt;.json</c> and <c>&lt;id&gt;.md</c> are the
/// truth, <c>index.json</c> a cache checked against the folder's file stamps on every read. Creating a task
/// writes two new files and needs no lock (ids are unique); every read-modify-write of a task runs under
/// the store's lock; every write goes through the atomic primitive. Reads never create anything but a
/// repaired cache.
/// </summary>
public sealed partial class TaskStore
{
    public const int MaxTitleLength = 500;

    /// <summary>Reads of a task file that met a concurrent update are tried this many times before the file is called corrupt.</summary>
    private const int ReadAttempts = 3;


    private readonly TimeProvider _clock;

    public TaskStore(string workspace, TimeProvider? clock = null)
    {
        Workspace = Path.GetFullPath(workspace);
        _clock = clock ?? TimeProvider.System;
    }

    public string Workspace { get; }

    public string TasksDirectory => Path.Combine(Workspace, "tasks");

    public string IndexPath => Path.Combine(TasksDirectory, "index.json");

    public string LedgerPath => Path.Combine(TasksDirectory, "runs.jsonl");

    public string ArtifactsDirectory => Path.Combine(TasksDirectory, "artifacts");

    private string UpdateLockPath => Path.Combine(TasksDirectory, ".tasks.lock");

    private string IndexLockPath => Path.Combine(TasksDirectory, ".index.lock");

    /// <summary>The spare that task updates write into and exchange with the task file (written only under the update lock).</summary>
    private string UpdateSparePath => Path.Combine(TasksDirectory, ".tasks.spare");

    public string JsonPath(string id) => Path.Combine(TasksDirectory, id + ".json");

    public string MarkdownPath(string id) => Path.Combine(TasksDirectory, id + ".md");

    public void RequireWorkspace()
    {
        if (!Directory.Exists(Workspace))
        {
            throw new MsgcodeException(ErrorIds.WorkspaceNotFound, MsgcodeErrorCategory.ObjectNotFound, Workspace,
                $"The workspace folder '{Workspace}' does not exist. Create it, or pass an existing folder to -Workspace.");
        }
    }

    /// <summary>
    /// Creates a task: validated, its input files copied into tasks/inputs/&lt;id&gt; (see <see cref="TaskInputFiles"/>), then
    /// its .json and .md written atomically. The task exists once this returns.
    /// </summary>
    /// <param name="files">Input files, full or relative to the workspace; each is checked before anything is written.</param>
    /// <param name="customize">Optional: adds fields to the new task before it is written (a chat's message row id, a retry policy).</param>
    public TaskInfo Create(string title, string prompt, string runnerKind, string? model = null, string[]? files = null, string? chatGuid = null, Action<TaskDocument>? customize = null)
    {
        title = ValidateTitle(title);
        runnerKind = ValidateRunnerKind(runnerKind);
        ArgumentNullException.ThrowIfNull(prompt);
        var inputs = files is { Length: > 0 } ? TaskInputFiles.Check(Workspace, files, MaxInputFileBytes()) : [];
        EnsureTasksDirectory();
        var id = TaskId.New(_clock);
        var copies = TaskInputFiles.CopyIn(this, id, inputs);
        var document = TaskDocument.Create(id, title, prompt, runnerKind, model, copies, Workspace, _clock.GetUtcNow().ToUnixTimeMilliseconds(), chatGuid);
        customize?.Invoke(document);
        try
        {
            // Two new names, one folder fsync: the .md's (written second, also new) makes the .json's durable too.
            var orphanMarkdown = File.Exists(MarkdownPath(id)); // never, as a rule: then the .md's write replaces and syncs no folder
            AtomicFile.WriteAllText(JsonPath(id), document.Serialize(), new AtomicWriteOptions { FolderSyncedByNextWrite = !orphanMarkdown });
            AtomicFile.WriteAllText(MarkdownPath(id), TaskMarkdown.Render(title, prompt));
        }
        catch (MsgcodeException ex) when (ex.InnerException is UnauthorizedAccessException)
        {
            TaskInputFiles.Remove(this, id);
            throw new MsgcodeException(ErrorIds.WorkspaceNotWritable, MsgcodeErrorCategory.PermissionDenied, TasksDirectory,
                $"Cannot write tasks in '{TasksDirectory}': {ex.InnerException.Message} Check the workspace's permissions.", ex);
        }

        return new TaskInfo(document, Workspace, JsonPath(id));
    }

    private long MaxInputFileBytes() => ConfigResolver.ResolveCached(ConfigSources.ForCurrentProcess(Workspace)).GetInt64("tasks.maxInputFileBytes");

    /// <summary>
    /// A full id, a unique beginning of one, or a short id as tables show it (<c>tsk_k7q2m9</c>, or a beginning of it) → the full id.
    /// </summary>
    public string Resolve(string idOrPrefix)
    {
        var normalized = TaskId.NormalizePrefix(idOrPrefix);
        if (TaskId.IsValid(normalized))
        {
            if (File.Exists(JsonPath(normalized)))
            {
                return normalized;
            }

            throw NotFound(idOrPrefix);
        }

        var candidates = TaskFolderScan.Of(TasksDirectory).JsonStamps.Keys.Where(k => TaskId.Matches(k, normalized)).Order(StringComparer.Ordinal).ToList();
        return candidates.Count switch
        {
            0 => throw NotFound(idOrPrefix),
            1 => candidates[0],
            _ => throw new MsgcodeException(ErrorIds.TaskIdAmbiguous, MsgcodeErrorCategory.InvalidArgument, idOrPrefix,
                $"'{idOrPrefix}' matches {candidates.Count} tasks: {string.Join(", ", candidates.Take(10))}{(candidates.Count > 10 ? ", ..." : string.Empty)}. Type more of the id."),
        };
    }

    public TaskInfo Get(string idOrPrefix, Action<MsgcodeProblem>? onProblem = null)
    {
        var id = Resolve(idOrPrefix);
        return new TaskInfo(ReadDocument(id, onProblem), Workspace, JsonPath(id));
    }

    /// <summary>
    /// Reads a task: the .json, with title and prompt from the .md when the .md is newer (a hand edit).
    /// A corrupt .json throws <see cref="ErrorIds.TaskFileCorrupt"/>; a broken .md is reported and the .json's values are used.
    /// </summary>
    public TaskDocument ReadDocument(string id, Action<MsgcodeProblem>? onProblem = null)
    {
        var jsonPath = JsonPath(id);
        for (var attempt = 1; ; attempt++)
        {
            string text;
            DateTime jsonTime;
            try
            {
                // The time of the very file read (updates exchange files under the name).
                using var stream = new FileStream(jsonPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
                jsonTime = File.GetLastWriteTimeUtc(stream.SafeFileHandle);
                using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
                text = reader.ReadToEnd();
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                throw NotFound(id);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (ex is IOException && attempt < ReadAttempts)
                {
                    Thread.Sleep(attempt); // an update is writing the file this reader opened a moment before it was replaced
                    continue;
                }

                throw new MsgcodeException(ErrorIds.TaskFileCorrupt, MsgcodeErrorCategory.ReadError, jsonPath, $"Cannot read '{jsonPath}': {ex.Message}", ex);
            }

            TaskDocument document;
            try
            {
                document = TaskDocument.Parse(jsonPath, text, id);
            }
            catch (MsgcodeException) when (attempt < ReadAttempts)
            {
                // Updates exchange a task file with a kept spare: a reader that opened the file just before two
                // updates completed may have read the spare's new contents. Read the name again.
                Thread.Sleep(attempt);
                continue;
            }

            ApplyMarkdown(document, jsonTime, onProblem);
            return document;
        }
    }

    /// <summary>Every healthy task, oldest first; broken task files are reported through <paramref name="onProblem"/>.</summary>
    public IReadOnlyList<TaskInfo> List(Action<MsgcodeProblem>? onProblem = null)
    {
        var index = RefreshIndex(onProblem);
        return index.Tasks.Where(t => t.Error is null)
            .OrderBy(t => t.CreatedAtMs).ThenBy(t => t.Id, StringComparer.Ordinal)
            .Select(entry => new TaskInfo(entry, Workspace, JsonPath(entry.Id), () => TryRead(entry.Id)))
            .ToList();
    }

    /// <summary>Brings index.json up to date with the task files (only changed files are read) and returns it.</summary>
    public TaskIndexFile RefreshIndex(Action<MsgcodeProblem>? onProblem = null, bool rebuild = false)
    {
        if (!Directory.Exists(TasksDirectory))
        {
            RequireWorkspace();
            return new TaskIndexFile();
        }

        var scan = TaskFolderScan.Of(TasksDirectory);
        var index = rebuild ? null : TaskIndexFile.TryRead(IndexPath);
        var (fresh, changed) = TaskIndexReconcile.Reconcile(this, index, scan);
        if (changed)
        {
            // Another reader may have refreshed it meanwhile; either way the rows we computed are current. A workspace
            // that cannot be written (read-only, or its lock file cannot be made) is still listed from its task files.
            try
            {
                using (FileLock.Acquire(IndexLockPath))
                {
                    AtomicFile.WriteAllBytes(IndexPath, fresh.Serialize());
                }
            }
            catch (MsgcodeException ex) when (ex.ErrorId == ErrorIds.FileWriteFailed)
            {
                onProblem?.Invoke(new MsgcodeProblem(ex.ErrorId, MsgcodeErrorCategory.WriteError, IndexPath,
                    $"The task index could not be saved ({ex.Message}); listing still works from the task files.", null));
            }
        }

        foreach (var broken in fresh.Tasks.Where(t => t.Error is not null))
        {
            onProblem?.Invoke(new MsgcodeProblem(ErrorIds.TaskFileCorrupt, MsgcodeErrorCategory.InvalidData, JsonPath(broken.Id), broken.Error!, null));
        }

        // A directory scan is not a snapshot: a .json created during the scan may be missed, so look again.
        foreach (var orphan in scan.MdStamps.Keys.Where(id => !scan.JsonStamps.ContainsKey(id) && !File.Exists(JsonPath(id))))
        {
            onProblem?.Invoke(new MsgcodeProblem(ErrorIds.TaskFileCorrupt, MsgcodeErrorCategory.InvalidData, MarkdownPath(orphan),
                $"'{MarkdownPath(orphan)}' has no {orphan}.json beside it, so it is not a task. Restore the .json, or remove the .md.", null));
        }

        return fresh;
    }

    /// <summary>Changes one task under the store's lock. <paramref name="mutate"/> returns false for "nothing to change".</summary>
    /// <param name="durable">false only for run bookkeeping that the fsynced run ledger can restore after a crash.</param>
    public TaskInfo Update(string idOrPrefix, Func<TaskDocument, bool> mutate, bool durable = true)
    {
        var id = Resolve(idOrPrefix); // the task file exists, so its folder does
        using (FileLock.Acquire(UpdateLockPath))
        {
            var document = ReadDocument(id);
            var title = document.Title;
            var prompt = document.Prompt;
            if (mutate(document))
            {
                document.UpdatedAtMs = Math.Max(_clock.GetUtcNow().ToUnixTimeMilliseconds(), document.UpdatedAtMs + 1);
                AtomicFile.WriteAllText(JsonPath(id), document.Serialize(), durable ? DurableUpdate : BookkeepingUpdate);
                if (document.Title != title || document.Prompt != prompt || !File.Exists(MarkdownPath(id)))
                {
                    AtomicFile.WriteAllText(MarkdownPath(id), TaskMarkdown.Render(document.Title, document.Prompt));
                }
            }

            return new TaskInfo(document, Workspace, JsonPath(id));
        }
    }

    private AtomicWriteOptions DurableUpdate => new() { Spare = UpdateSparePath };

    private AtomicWriteOptions BookkeepingUpdate => new() { Spare = UpdateSparePath, Fsync = false };

    public static string ValidateTitle(string? title)
    {
        var trimmed = (title ?? string.Empty).Trim();
        if (trimmed.Length == 0 || trimmed.Contains('\n') || trimmed.Contains('\r') || trimmed.Length > MaxTitleLength)
        {
            throw new MsgcodeException(ErrorIds.TaskFieldInvalid, MsgcodeErrorCategory.InvalidArgument, title,
                $"A task title is one line of 1 to {MaxTitleLength} characters. Put longer text in -Prompt.");
        }

        return trimmed;
    }

    /// <summary>A runner name's form (<see cref="Runners.RunnerNames.Normalize"/>); whether a runner has it is checked where it is set.</summary>
    public static string ValidateRunnerKind(string? kind) => Runners.RunnerNames.Normalize(kind);

    /// <summary>The runner kind for a new task: the caller's, else runner.default of the workspace's configuration.</summary>
    public string DefaultRunnerKind(ConfigSources sources) => ConfigResolver.Resolve(sources).GetString("runner.default") ?? "pwsh";

    private TaskDocument? TryRead(string id)
    {
        try
        {
            return ReadDocument(id);
        }
        catch (MsgcodeException)
        {
            return null;
        }
    }

    private void ApplyMarkdown(TaskDocument document, DateTime jsonTime, Action<MsgcodeProblem>? onProblem)
    {
        var mdPath = MarkdownPath(document.Id);
        DateTime mdTime;
        string text;
        try
        {
            mdTime = File.GetLastWriteTimeUtc(mdPath);
            if (mdTime <= jsonTime || !File.Exists(mdPath))
            {
                return;
            }

            text = File.ReadAllText(mdPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }

        if (text == TaskMarkdown.Render(document.Title, document.Prompt))
        {
            return; // the .md is what msgcode wrote for the .json: the .json keeps the prompt byte for byte (a trailing newline, CRLF)
        }

        if (TaskMarkdown.TryParse(text, out var title, out var prompt, out var error))
        {
            try
            {
                document.Title = ValidateTitle(title);
            }
            catch (MsgcodeException)
            {
                onProblem?.Invoke(new MsgcodeProblem(ErrorIds.TaskFieldInvalid, MsgcodeErrorCategory.InvalidData, mdPath, $"The title in '{mdPath}' is not valid; the .json's title is used.", 1));
            }

            document.Prompt = prompt;
        }
        else
        {
            onProblem?.Invoke(new MsgcodeProblem(ErrorIds.TaskFileCorrupt, MsgcodeErrorCategory.InvalidData, mdPath,
                $"'{mdPath}' was edited but cannot be read ({error}); the title and prompt of {document.Id}.json are used until it is fixed.", 1));
        }
    }

    private void EnsureTasksDirectory()
    {
        RequireWorkspace();
        try
        {
            Directory.CreateDirectory(TasksDirectory);
            TaskFolderIgnore.Ensure(TasksDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MsgcodeException(ErrorIds.WorkspaceNotWritable, MsgcodeErrorCategory.PermissionDenied, TasksDirectory,
                $"Cannot keep tasks in '{TasksDirectory}': {ex.Message} Check that the workspace is writable and that 'tasks' is a folder.", ex);
        }
    }

    private MsgcodeException NotFound(string input) => new(ErrorIds.TaskNotFound, MsgcodeErrorCategory.ObjectNotFound, input,
        $"No task '{input}' in '{Workspace}'. Get-MsgcodeTask -Workspace '{Workspace}' lists the tasks.");
}
