namespace Msgcode.Core.Tasks;

/// <summary>What an isolated run hands back: artifact paths, patches to record in the task, and the fields the ledger gets.</summary>
public sealed record IsolationOutcome
{
    /// <summary>Absolute paths of the files written (patch, summary).</summary>
    public IReadOnlyList<string> Artifacts { get; init; } = [];

    /// <summary>Absolute paths recorded under the task's outputs.patches.</summary>
    public IReadOnlyList<string> Patches { get; init; } = [];

    public string? PatchPath { get; init; }

    public string? BaseCommit { get; init; }

    /// <summary>Set when the changes could not be captured: the run fails with it.</summary>
    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>Applied to the task in the same update that records the outcome.</summary>
    public Action<TaskDocument>? UpdateTask { get; init; }
}
