namespace Msgcode.Core.Jobs;

/// <summary>The occurrences of a schedule in a window: how many, and the latest few.</summary>
public sealed record OccurrenceWindow(long Count, long? FirstMs, IReadOnlyList<long> Latest);
