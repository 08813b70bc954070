using Msgcode.Core.Errors;

namespace Msgcode.Core.Storage;

/// <summary>
/// Reading and trimming of a ledger: a JSONL file whose records belong to entries (a run, a job's firing), an
/// entry's records sharing a group key and its age being its first record's. The newest entries are read from the
/// end of the file; trimming drops whole entries that have ended and are too old or too many, never an entry still
/// under way nor a line it does not understand. What a record is, which entry it belongs to and when that entry has
/// ended are the caller's to say (as delegates): this type knows no record type.
/// </summary>
public static class JsonlLedger
{
    /// <summary>
    /// The newest <paramref name="count"/> entries, newest first, read from the end of the file: <paramref name="join"/>
    /// turns the records of a window at the end (oldest first; lines <paramref name="parse"/> returns null for are
    /// left out) into entries, newest first. The window grows until it holds one entry more than asked for, or the
    /// whole file.
    /// </summary>
    public static IReadOnlyList<TEntry> Newest<TRecord, TEntry>(string path, int count, Func<string, TRecord?> parse,
        Func<List<TRecord>, IEnumerable<TEntry>> join, Action<MsgcodeProblem>? onProblem = null)
        where TRecord : class
    {
        if (count <= 0 || !File.Exists(path))
        {
            return [];
        }

        var window = Math.Max(count * 4, 64);
        while (true)
        {
            var lines = JsonlFile.ReadTail(path, window, onProblem);
            var records = lines.Select(l => parse(l.Text)).OfType<TRecord>().ToList();
            var entries = join(records).ToList();
            // The oldest entry in the window may be missing its first record: only trust it when the whole file was read.
            var wholeFile = lines.Count < window;
            if (entries.Count >= count + 1 || wholeFile)
            {
                return entries.Take(count).ToList();
            }

            window *= 4;
        }
    }

    /// <summary>
    /// Drops the entries that have ended and are older than <paramref name="retentionDays"/> days or beyond the newest
    /// <paramref name="retentionCount"/> (0 = no limit), under the file's lock, and writes the rest through the atomic
    /// primitive. An entry that has not ended is always kept, and so is every line <paramref name="parse"/> returns
    /// null for. Returns how many entries were dropped.
    /// </summary>
    /// <param name="group">The entry a record belongs to, from the record and the index of its line in the file.</param>
    /// <param name="timestampMs">When a record was written (Unix milliseconds).</param>
    /// <param name="ends">Whether a record ends its entry.</param>
    public static int Trim<TRecord>(string path, long retentionDays, long retentionCount, DateTimeOffset now, Func<string, TRecord?> parse,
        Func<TRecord, int, string> group, Func<TRecord, long> timestampMs, Func<TRecord, bool> ends)
        where TRecord : class
        => Rewrite(path, parse, group, records =>
        {
            var first = new Dictionary<string, long>(StringComparer.Ordinal);
            var ended = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (record, key) in records)
            {
                first.TryAdd(key, timestampMs(record));
                if (ends(record))
                {
                    ended.Add(key);
                }
            }

            var cutoff = retentionDays > 0 ? now.AddDays(-retentionDays).ToUnixTimeMilliseconds() : long.MinValue;
            var newestFirst = first.OrderByDescending(p => p.Value).Select(p => p.Key).ToList();
            var drop = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < newestFirst.Count; i++)
            {
                var key = newestFirst[i];
                if (ended.Contains(key) && ((retentionCount > 0 && i >= retentionCount) || first[key] < cutoff))
                {
                    drop.Add(key); // an entry still under way is never dropped
                }
            }

            return drop;
        }).Count;

    /// <summary>
    /// Drops every entry that has a record <paramref name="belongs"/> says yes to (all of a removed task's runs, say), under
    /// the file's lock, and writes the rest through the atomic primitive; lines <paramref name="parse"/> returns null for
    /// are kept. The caller answers for the entries being over. Returns the groups dropped.
    /// </summary>
    public static IReadOnlyCollection<string> RemoveEntries<TRecord>(string path, Func<string, TRecord?> parse, Func<TRecord, int, string> group, Func<TRecord, bool> belongs)
        where TRecord : class
        => Rewrite(path, parse, group, records => records.Where(r => belongs(r.Record)).Select(r => r.Group).ToHashSet(StringComparer.Ordinal));

    /// <summary>
    /// Under the file's lock: reads its records, asks <paramref name="choose"/> which entries to drop, and writes the
    /// other lines back (unparseable lines and an unterminated tail as they were: a rewrite never destroys what it does
    /// not understand). Writes nothing when nothing is dropped.
    /// </summary>
    private static HashSet<string> Rewrite<TRecord>(string path, Func<string, TRecord?> parse, Func<TRecord, int, string> group,
        Func<List<(TRecord Record, string Group)>, HashSet<string>> choose)
        where TRecord : class
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using (FileLock.For(path))
        {
            var pieces = File.ReadAllText(path).Split('\n');
            var tornTail = pieces[^1];
            var lines = pieces[..^1].Select((text, index) =>
            {
                var record = parse(text.TrimEnd('\r'));
                return (Text: text, Record: record, Group: record is null ? null : group(record, index));
            }).ToList();
            var drop = choose(lines.Where(l => l.Record is not null && l.Group is not null).Select(l => (l.Record!, l.Group!)).ToList());
            if (drop.Count == 0)
            {
                return drop;
            }

            var kept = lines.Where(l => l.Group is null || !drop.Contains(l.Group)).Select(l => l.Text + "\n");
            AtomicFile.WriteAllText(path, string.Concat(kept) + tornTail);
            return drop;
        }
    }
}
