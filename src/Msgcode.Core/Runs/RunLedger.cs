using System.Text.Json;
using System.Text.Json.Serialization;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Runs;

/// <summary>
/// The run ledger of a workspace, <c>tasks/runs.jsonl</c>: appended through the JSONL primitive (fsynced,
/// torn tails fenced off), read newest-first from the end, trimmed by age and count without ever dropping
/// a run that has started and not finished.
/// </summary>
public sealed class RunLedger
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public RunLedger(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }

    public static string NewRunId() => "run_" + Platform.Ulid.New();

    public void Append(RunRecord record) => JsonlFile.Append(Path, JsonSerializer.Serialize(record, Options));

    /// <summary>
    /// Appends a durable record through <paramref name="journal"/> (group commit: completes once the record is
    /// fsynced with its batch), or directly when there is none.
    /// </summary>
    public Task AppendAsync(RunRecord record, JsonlGroupWriter? journal)
    {
        if (journal is null)
        {
            Append(record);
            return Task.CompletedTask;
        }

        return journal.AppendAsync(Path, JsonSerializer.Serialize(record, Options));
    }

    /// <summary>
    /// Writes <paramref name="records"/> (in one piece, in this order) on the calling thread and returns the task of
    /// their fsync, which runs meanwhile on a pool thread: for a run's own records, which nothing else would share an
    /// fsync with, so its next step overlaps the disk instead of waiting for a writer thread's turn.
    /// </summary>
    public Task AppendThenSync(params RunRecord[] records)
    {
        JsonlFile.AppendMany(Path, records.Select(r => JsonSerializer.Serialize(r, Options)), fsync: false);
        return Task.Run(() => JsonlFile.Fsync(Path));
    }

    /// <summary>A hint record (see <see cref="AppendHint"/>) through <paramref name="journal"/>: written with the next batch, never fsynced for its own sake.</summary>
    public Task AppendHintAsync(RunRecord record, JsonlGroupWriter journal, bool writeHere = true) => journal.AppendAsync(Path, JsonSerializer.Serialize(record, Options), durable: false, writeHere);

    /// <summary>Appends a record that another durable file backs up (a queued run: queue.jsonl holds it), without an fsync.</summary>
    public void AppendHint(RunRecord record) => JsonlFile.AppendMany(Path, [JsonSerializer.Serialize(record, Options)], fsync: false);

    public void AppendMany(IEnumerable<RunRecord> records) => JsonlFile.AppendMany(Path, records.Select(r => JsonSerializer.Serialize(r, Options)));

    public static RunRecord? TryParse(string line)
    {
        try
        {
            var record = JsonSerializer.Deserialize<RunRecord>(line, Options);
            return record is not null && record.RunId.Length > 0 && record.Event.Length > 0 ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>All records, oldest first; malformed lines are reported.</summary>
    public IEnumerable<RunRecord> ReadAll(Action<MsgcodeProblem>? onProblem = null)
    {
        foreach (var line in JsonlFile.Read(Path, onProblem))
        {
            if (TryParse(line.Text) is { } record)
            {
                yield return record;
            }
            else
            {
                onProblem?.Invoke(new MsgcodeProblem(ErrorIds.JsonlLineMalformed, MsgcodeErrorCategory.InvalidData, Path,
                    $"Line {line.LineNumber} is JSON but not a run record; it is skipped.", (int)line.LineNumber));
            }
        }
    }

    /// <summary>The newest <paramref name="count"/> runs (optionally of one task), newest first, read from the end of the file.</summary>
    public IReadOnlyList<TaskRunInfo> NewestRuns(int count, string? taskId = null, Action<MsgcodeProblem>? onProblem = null)
        => JsonlLedger.Newest(Path, count, TryParse, records => Join(records).Where(r => taskId is null || r.TaskId == taskId), onProblem);

    /// <summary>One run by its id, read from the end of the file (recent runs cost little); null when the ledger has no record of it.</summary>
    public TaskRunInfo? Find(string runId, Action<MsgcodeProblem>? onProblem = null)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        var window = 256;
        while (true)
        {
            var lines = JsonlFile.ReadTail(Path, window, onProblem);
            var records = lines.Select(l => TryParse(l.Text)).OfType<RunRecord>().Where(r => r.RunId == runId).ToList();
            var wholeFile = lines.Count < window;
            // Its first record (queued or started) in the window means every later one is there too.
            if (records.Any(r => r.Event is RunEvents.Queued or RunEvents.Started) || wholeFile)
            {
                return records.Count == 0 ? null : Join(records).First();
            }

            window *= 4;
        }
    }

    /// <summary>Runs whose started record has no outcome yet (in progress, or interrupted by a crash).</summary>
    public IReadOnlyList<RunRecord> OpenRuns(Action<MsgcodeProblem>? onProblem = null)
    {
        var open = new Dictionary<string, RunRecord>(StringComparer.Ordinal);
        foreach (var record in ReadAll(onProblem))
        {
            if (record.Event == RunEvents.Started)
            {
                open[record.RunId] = record;
            }
            else if (RunEvents.IsTerminal(record.Event))
            {
                open.Remove(record.RunId);
            }
        }

        return [.. open.Values];
    }

    /// <summary>
    /// Drops completed runs older than <paramref name="retentionDays"/> days or beyond the newest
    /// <paramref name="retentionCount"/> runs (0 = no limit). A run still in progress is always kept.
    /// Returns the number of runs dropped.
    /// </summary>
    public int Trim(long retentionDays, long retentionCount, DateTimeOffset now)
        => JsonlLedger.Trim(Path, retentionDays, retentionCount, now, TryParse, (record, _) => record.RunId, record => record.TsMs, record => RunEvents.IsTerminal(record.Event));

    /// <summary>
    /// Drops every run of <paramref name="taskId"/> (a removed task's history, on request); the caller answers for none of
    /// them being under way. Returns the ids of the runs dropped.
    /// </summary>
    public IReadOnlyCollection<string> RemoveRunsOf(string taskId)
        => JsonlLedger.RemoveEntries(Path, TryParse, (record, _) => record.RunId, record => string.Equals(record.TaskId, taskId, StringComparison.Ordinal));

    private IEnumerable<TaskRunInfo> Join(List<RunRecord> records)
    {
        var byRun = new Dictionary<string, (RunRecord? Started, RunRecord? Outcome, RunRecord? Queued)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var record in records)
        {
            if (!byRun.TryGetValue(record.RunId, out var entry))
            {
                order.Add(record.RunId);
            }

            entry = record.Event switch
            {
                RunEvents.Started => (record, entry.Outcome, entry.Queued),
                RunEvents.Queued => (entry.Started, entry.Outcome, record),
                _ when RunEvents.IsTerminal(record.Event) => (entry.Started, record, entry.Queued),
                _ => entry,
            };
            byRun[record.RunId] = entry;
        }

        for (var i = order.Count - 1; i >= 0; i--)
        {
            var (started, outcome, queued) = byRun[order[i]];
            var first = started ?? queued ?? outcome!;
            yield return TaskRunInfo.WithUsage(new TaskRunInfo
            {
                RunId = first.RunId,
                TaskId = first.TaskId,
                Runner = first.RunnerKind,
                Status = outcome?.Status ?? (started is not null ? "running" : "queued"),
                StartedAt = started is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(started.TsMs).ToLocalTime(),
                DurationSeconds = outcome?.DurationMs is long ms ? ms / 1000.0 : null,
                ErrorCode = outcome?.ErrorCode,
                ErrorMessage = outcome?.ErrorMessage,
                Artifacts = outcome?.Artifacts.ToArray() ?? [],
                Preview = outcome?.Preview,
                PromptLength = started?.PromptLength ?? queued?.PromptLength,
                PromptSha = started?.PromptSha ?? queued?.PromptSha,
                Workspace = System.IO.Path.GetDirectoryName(System.IO.Path.GetDirectoryName(Path)),
            }, outcome?.Usage, outcome?.SessionId);
        }
    }
}
