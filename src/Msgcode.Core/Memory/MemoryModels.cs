namespace Msgcode.Core.Memory;

/// <summary>One remembered note: a <c>## HH:mm:ss</c> section of a workspace's <c>memory/YYYY-MM-DD.md</c> file.</summary>
public sealed class MemoryEntry
{
    /// <summary>The workspace the note belongs to.</summary>
    public required string Workspace { get; init; }

    /// <summary>The day of the file the note is in.</summary>
    public required DateOnly Date { get; init; }

    /// <summary>The time from the note's heading, when the heading starts with one.</summary>
    public TimeOnly? Time { get; init; }

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

    public override string ToString() => $"{Date:yyyy-MM-dd} {Heading}: {Text}";
}

/// <summary>One ranked match of <see cref="MemoryStore.Search"/>.</summary>
public sealed class MemoryHit
{
    public required string Workspace { get; init; }

    public required DateOnly Date { get; init; }

    public TimeOnly? Time { get; init; }

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

    public override string ToString() => $"{Date:yyyy-MM-dd} {Heading} ({Score:0.00}): {Snippet}";
}
