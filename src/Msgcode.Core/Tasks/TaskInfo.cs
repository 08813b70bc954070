namespace Msgcode.Core.Tasks;

/// <summary>
/// A task as the cmdlets show it. Listing builds it from the index (cheap fields only); the prompt and
/// the other heavy fields are read from the task's files the first time they are asked for.
/// </summary>
public sealed class TaskInfo
{
    private readonly Lazy<TaskDocument?>? _lazy;
    private TaskDocument? _document;

    internal TaskInfo(TaskDocument document, string workspace, string path)
    {
        _document = document;
        Workspace = workspace;
        Path = path;
        Id = document.Id;
        Title = document.Title;
        Status = document.Status;
        Runner = document.RunnerKind;
        CreatedAtMs = document.CreatedAtMs;
        UpdatedAtMs = document.UpdatedAtMs;
    }

    internal TaskInfo(TaskIndexEntry entry, string workspace, string path, Func<TaskDocument?> load)
    {
        Workspace = workspace;
        Path = path;
        Id = entry.Id;
        Title = entry.Title;
        Status = entry.Status;
        Runner = entry.RunnerKind;
        CreatedAtMs = entry.CreatedAtMs;
        UpdatedAtMs = entry.UpdatedAtMs;
        _lazy = new Lazy<TaskDocument?>(load);
    }

    public string Id { get; }

    /// <summary>The id's short form (<c>tsk_</c> and its last characters), which tables show and every -Id takes.</summary>
    public string ShortId => TaskId.Short(Id);

    public string Title { get; }

    public string Status { get; }

    public string Runner { get; }

    public string? Model => Document?.Model;

    public string? Prompt => Document?.Prompt;

    public string[] Files => Document?.Files ?? [];

    public string[] Artifacts => Document?.Artifacts ?? [];

    public string[] Patches => Document?.Patches ?? [];

    /// <summary>The summary of the task's last run; the next run replaces it.</summary>
    public string? LastSummary => Document?.LastSummary;

    /// <summary>What a person wrote with Set-MsgcodeTask -Notes; runs leave it alone.</summary>
    public string? Notes => Document?.Notes;

    /// <summary>Why the task was closed (Close-MsgcodeTask -Reason), or null.</summary>
    public string? CloseReason => Document?.CloseReason;

    public string? ChatGuid => Document?.ChatGuid;

    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs).ToLocalTime();

    public DateTimeOffset UpdatedAt => DateTimeOffset.FromUnixTimeMilliseconds(UpdatedAtMs).ToLocalTime();

    public string Workspace { get; }

    /// <summary>The task's JSON file.</summary>
    public string Path { get; }

    internal long CreatedAtMs { get; }

    internal long UpdatedAtMs { get; }

    internal TaskDocument? Document => _document ??= _lazy?.Value;

    public override string ToString() => $"{Id} [{Status}] {Title}";
}
