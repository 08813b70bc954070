namespace Msgcode.Core.Doctor;

/// <summary>One finding of Test-MsgcodeDoctor. Its JSON is stable from run to run (no times, no durations).</summary>
public sealed class DoctorCheck
{
    public required string Category { get; init; }

    public required string Name { get; init; }

    /// <summary>pass, warn, fail or skip.</summary>
    public required string Status { get; init; }

    public required string Message { get; init; }

    /// <summary>A command or setting that fixes it (for warn and fail).</summary>
    public string? FixHint { get; init; }

    public SortedDictionary<string, string> Details { get; init; } = new(StringComparer.Ordinal);

    public override string ToString() => $"[{Status}] {Category}/{Name}: {Message}";

    /// <summary>A finding; its fix hint is kept only for warn and fail.</summary>
    internal static DoctorCheck Check(string category, string name, string status, string message, string? fix = null, SortedDictionary<string, string>? details = null)
        => new() { Category = category, Name = name, Status = status, Message = message, FixHint = status is CheckStatuses.Warn or CheckStatuses.Fail ? fix : null, Details = details ?? new(StringComparer.Ordinal) };
}
