namespace Msgcode.Core.Worktrees;

/// <summary>One file of a patch: what happened to it and how many lines it gained and lost.</summary>
public sealed class PatchFileChange
{
    public required string Path { get; init; }

    /// <summary>The old path of a renamed or copied file.</summary>
    public string? OldPath { get; init; }

    /// <summary>added, modified, deleted, renamed, copied or typeChanged.</summary>
    public required string Change { get; init; }

    public int? Added { get; init; }

    public int? Deleted { get; init; }

    public bool Binary { get; init; }

    public override string ToString() => OldPath is null ? $"{Change} {Path}" : $"{Change} {OldPath} -> {Path}";
}
