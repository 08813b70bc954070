namespace Msgcode.Core.Jobs;

/// <summary>How a queued run ended.</summary>
public sealed record JobOutcome(string Status, string? ErrorCode, string? ErrorMessage);
