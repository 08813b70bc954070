namespace Msgcode.Core.Jobs;

/// <summary>A firing of a job as Get-MsgcodeJobRun shows it: its fired record joined with what became of it.</summary>
public sealed class JobRunInfo
{
    public required string JobId { get; init; }

    public string? Key { get; init; }

    /// <summary>schedule, catch-up or manual (empty for skipped occurrences).</summary>
    public string? Trigger { get; init; }

    /// <summary>queued, succeeded, failed, interrupted, canceled or skipped.</summary>
    public required string Status { get; init; }

    public DateTimeOffset? ScheduledAt { get; init; }

    public DateTimeOffset FiredAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public string? Workspace { get; init; }

    public string? TaskId { get; init; }

    public string? RunId { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>For skipped records: how many occurrences were skipped.</summary>
    public long? SkippedCount { get; init; }

    public override string ToString() => $"{JobId} {Key} {Status}";

    /// <summary>Joins records (oldest first) into firings, newest first.</summary>
    public static List<JobRunInfo> Join(IReadOnlyList<JobRunRecord> records)
    {
        var byKey = new Dictionary<string, List<JobRunRecord>>(StringComparer.Ordinal);
        var order = new List<(string? Key, JobRunRecord Record)>();
        foreach (var record in records)
        {
            if (record.Event == JobRunEvents.Skipped || record.Key is null)
            {
                order.Add((null, record));
                continue;
            }

            if (!byKey.TryGetValue(record.Key, out var list))
            {
                list = [];
                byKey[record.Key] = list;
                order.Add((record.Key, record));
            }

            list.Add(record);
        }

        var result = new List<JobRunInfo>(order.Count);
        foreach (var (key, first) in order)
        {
            if (key is null)
            {
                if (first.Event == JobRunEvents.Skipped)
                {
                    result.Add(new JobRunInfo
                    {
                        JobId = first.JobId, Status = JobStatuses.Skipped, FiredAt = At(first.TsMs), ScheduledAt = first.LastAtMs is long l ? At(l) : null,
                        SkippedCount = first.Count, ErrorCode = first.ErrorCode, ErrorMessage = first.ErrorMessage, Trigger = first.Trigger,
                    });
                }

                continue;
            }

            var all = byKey[key];
            var fired = all.FirstOrDefault(r => r.Event == JobRunEvents.Fired) ?? first;
            var queued = all.LastOrDefault(r => r.Event == JobRunEvents.Queued) ?? all.LastOrDefault(r => r.Event == JobRunEvents.Prepared);
            var outcome = all.LastOrDefault(r => JobRunEvents.IsOutcome(r.Event));
            result.Add(new JobRunInfo
            {
                JobId = fired.JobId,
                Key = key,
                Trigger = fired.Trigger,
                Status = outcome is null ? (queued?.Event == JobRunEvents.Queued ? JobStatuses.Queued : JobStatuses.Pending) : outcome.Status ?? outcome.Event,
                ScheduledAt = fired.ScheduledAtMs is long s ? At(s) : null,
                FiredAt = At(fired.TsMs),
                EndedAt = outcome is null ? null : At(outcome.TsMs),
                Workspace = queued?.Workspace ?? fired.Workspace,
                TaskId = outcome?.TaskId ?? queued?.TaskId,  // queued, or else prepared
                RunId = outcome?.RunId ?? queued?.RunId,
                ErrorCode = outcome?.ErrorCode,
                ErrorMessage = outcome?.ErrorMessage,
            });
        }

        result.Reverse();
        return result;
    }

    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToLocalTime();
}
