using System.Text.Json;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Daemon;

/// <summary>
/// <c>&lt;home&gt;/queue.jsonl</c>, the daemon's durable list of queued runs (the daemon is its only writer): a "queued"
/// line when a run is queued, a "done" line when it has ended, compacted at each start to what still has to run.
/// </summary>
internal sealed class QueueJournal
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public QueueJournal(string homePath, JsonlGroupWriter writer)
    {
        Path = PathIn(homePath);
        Writer = writer;
    }

    public string Path { get; }

    /// <summary>Where the queue file of the msgcode home at <paramref name="homePath"/> is.</summary>
    public static string PathIn(string homePath) => System.IO.Path.Combine(homePath, "queue.jsonl");

    /// <summary>The daemon's group-commit writer: queue entries and run records of all lanes share its fsyncs.</summary>
    public JsonlGroupWriter Writer { get; }

    /// <summary>
    /// Appends a queued run; the returned task completes once the line is fsynced. Written by a pool thread, not
    /// the caller's: the caller's next requests join the batch while it is fsynced.
    /// </summary>
    public Task AppendQueuedAsync(QueueEntry entry) => Writer.AppendAsync(Path, JsonSerializer.Serialize(entry, Options), writeHere: false);

    /// <summary>
    /// Marks a run done, without an fsync of its own: "done" only saves the next start a ledger lookup; the ledger's
    /// outcome record is the durable truth.
    /// </summary>
    public Task AppendDoneAsync(QueueEntry entry)
        => Writer.AppendAsync(Path, JsonSerializer.Serialize(new QueueEntry { Op = "done", RunId = entry.RunId, Workspace = entry.Workspace, TaskId = entry.TaskId, TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, Options), durable: false);

    /// <summary>The entries with a run id, in file order; a malformed line goes to <paramref name="onProblem"/>, a line that is no entry is skipped.</summary>
    public IEnumerable<(QueueEntry Entry, long LineNumber)> Read(Action<MsgcodeProblem> onProblem) => ReadFile(Path, onProblem);

    /// <summary>The entries of the queue file at <paramref name="path"/>, read only (as <see cref="Read"/> does; a reader beside the daemon).</summary>
    public static IEnumerable<(QueueEntry Entry, long LineNumber)> ReadFile(string path, Action<MsgcodeProblem>? onProblem = null)
    {
        foreach (var line in JsonlFile.Read(path, onProblem))
        {
            QueueEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize<QueueEntry>(line.Text, Options);
            }
            catch (JsonException)
            {
                continue;
            }

            if (entry is null || entry.RunId.Length == 0)
            {
                continue;
            }

            yield return (entry, line.LineNumber);
        }
    }

    /// <summary>Replaces the file, atomically, with the queued lines of <paramref name="pending"/> (compaction).</summary>
    public void Rewrite(IEnumerable<QueueEntry> pending)
        => AtomicFile.WriteAllText(Path, string.Concat(pending.Select(e => JsonSerializer.Serialize(e, Options) + "\n")));
}
