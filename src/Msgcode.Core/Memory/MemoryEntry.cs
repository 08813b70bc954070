namespace Msgcode.Core.Memory;

/// <summary>One remembered note: a <c>## HH:mm:ss</c> section of a workspace's <c>memory/YYYY-MM-DD.md</c> file.</summary>
public sealed class MemoryEntry
{
    /// <summary>The workspace the note belongs to.</summary>
    public required string Workspace { get; init; }

    /// <summary>The day of the file the note is in, as an ISO 8601 date (yyyy-MM-dd): a string, so ConvertTo-Json writes it as it reads.</summary>
    public required string Date { get; init; }

    /// <summary>The time from the note's heading (HH:mm:ss), when the heading starts with one.</summary>
    public string? Time { get; init; }

    /// <summary>Full path of the memory file.</summary>
    public required string File { get; init; }

    /// <summary>1-based line of the note's heading (or of its first line when it has none).</summary>
    public required int Line { get; init; }

    /// <summary>The heading without its <c>## </c>, or null for text before the first heading.</summary>
    public string? Heading { get; init; }

    public required string Text { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Where the note came from (a chat, a script), when it says.</summary>
    public string? Source { get; init; }

    /// <summary>The task the note is about (its source is a task id), or null; binds -Id of the task cmdlets when piped.</summary>
    public string? TaskId => MemoryMarkdown.TaskIdOf(Source);

    public override string ToString() => $"{Date} {Heading}: {Text}";
}
