using System.Text.Json;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Jobs;

/// <summary>
/// The firing ledger, <c>&lt;home&gt;/jobs/runs.jsonl</c>: one line per firing event, appended through the JSONL
/// primitive, read newest-first from the end, trimmed by age and count without ever dropping a firing that has
/// not ended.
/// </summary>
public sealed class JobRunLedger
{
    public JobRunLedger(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public void Append(JobRunRecord record, bool fsync = true)
        => JsonlFile.AppendMany(Path, [JsonSerializer.Serialize(record, JobStore.LineOptions)], fsync: fsync);

    /// <summary>All records, oldest first; malformed lines are reported, lines that are JSON but not a firing record skipped.</summary>
    public IEnumerable<JobRunRecord> ReadAll(Action<MsgcodeProblem>? onProblem = null)
    {
        foreach (var line in JsonlFile.Read(Path, onProblem))
        {
            if (TryParse(line.Text) is { } record)
            {
                yield return record;
            }
        }
    }

    /// <summary>The newest <paramref name="count"/> firings (optionally of one job), newest first, each joined with its outcome.</summary>
    public IReadOnlyList<JobRunInfo> NewestRuns(int count, string? jobId = null, Action<MsgcodeProblem>? onProblem = null)
        => JsonlLedger.Newest(Path, count, TryParse, records => JobRunInfo.Join(records.Where(r => jobId is null || r.JobId == jobId).ToList()), onProblem);

    /// <summary>
    /// Drops the records of ended firings (and skipped-occurrence notes) older than <paramref name="retentionDays"/>
    /// days or beyond the newest <paramref name="retentionCount"/> (0 = no limit), under the file's lock. A firing
    /// that has not ended is always kept, and so is every line trimming does not understand. Returns how many
    /// firings were dropped. The scheduler's cursors are in jobs.json, so a dropped key is never fired again.
    /// </summary>
    public int Trim(long retentionDays, long retentionCount, DateTimeOffset now)
    {
        // A group is a firing (its key) or a single keyless note (its line); its age is its first record's.
        return JsonlLedger.Trim(Path, retentionDays, retentionCount, now, TryParse, (record, index) => record.Key ?? "#" + index, record => record.TsMs,
            record => record.Key is null || JobRunEvents.IsOutcome(record.Event));
    }

    private static JobRunRecord? TryParse(string line)
    {
        try
        {
            var record = JsonSerializer.Deserialize<JobRunRecord>(line, JobStore.LineOptions);
            return record is null || record.JobId.Length == 0 || record.Event.Length == 0 ? null : record;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
