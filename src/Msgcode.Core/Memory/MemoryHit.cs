namespace Msgcode.Core.Memory;

/// <summary>One ranked match of <see cref="MemoryStore.Search"/>.</summary>
public sealed class MemoryHit
{
    public required string Workspace { get; init; }

    /// <summary>The day of the note's file, as an ISO 8601 date (yyyy-MM-dd): a string, so ConvertTo-Json writes it as it reads.</summary>
    public required string Date { get; init; }

    public string? Time { get; init; }

    public required string File { get; init; }

    public required int Line { get; init; }

    public string? Heading { get; init; }

    public required string Text { get; init; }

    /// <summary>A one-line excerpt of the text around the first match.</summary>
    public required string Snippet { get; init; }

    /// <summary>Relevance (BM25); higher is better. Only comparable within one search.</summary>
    public required float Score { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? Source { get; init; }

    /// <summary>The task the note is about (its source is a task id), or null; binds -Id of the task cmdlets when piped.</summary>
    public string? TaskId => MemoryMarkdown.TaskIdOf(Source);

    public override string ToString() => $"{Date} {Heading} ({Score:0.00}): {Snippet}";
}
