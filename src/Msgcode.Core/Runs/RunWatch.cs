using System.Text;

namespace Msgcode.Core.Runs;

/// <summary>
/// Watching runs from any process: their outcomes come from the ledgers, their events from the events.jsonl that a
/// runner's capture writes line by line (in this process, another session or the daemon). Polled ten times a second.
/// </summary>
public static class RunWatch
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The runs as each one ends (with its answer read into Output), until all have ended, one has with
    /// <paramref name="any"/>, or <paramref name="timeout"/> passes (runs still going are then not returned).
    /// <paramref name="waiting"/> hears how many are still going, once a second. A run's outcome is in the ledger a
    /// moment before its task is updated (its patch, its status): <paramref name="settled"/>, when given, says whether
    /// that has happened too, and a run counts as ended only then.
    /// </summary>
    public static IEnumerable<TaskRunInfo> WaitForEnd(IReadOnlyList<(string Workspace, string RunId)> runs, TimeSpan? timeout, bool any, Action<int, TimeSpan>? waiting, CancellationToken cancellationToken,
        Func<string, TaskRunInfo, bool>? settled = null)
    {
        var pending = runs.Distinct().ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lastTold = TimeSpan.Zero;
        while (pending.Count > 0)
        {
            for (var i = 0; i < pending.Count; i++)
            {
                var (workspace, runId) = pending[i];
                var run = new RunLedger(Path.Combine(workspace, "tasks", "runs.jsonl")).Find(runId);
                if (run is null || !run.IsEnded || (settled is not null && !settled(workspace, run)))
                {
                    continue;
                }

                run.Output = run.ReadOutput();
                pending.RemoveAt(i--);
                yield return run;
                if (any)
                {
                    yield break;
                }
            }

            if (pending.Count == 0 || (timeout is { } limit && clock.Elapsed >= limit))
            {
                yield break;
            }

            if (clock.Elapsed - lastTold >= TimeSpan.FromSeconds(1))
            {
                waiting?.Invoke(pending.Count, clock.Elapsed);
                lastTold = clock.Elapsed;
            }

            if (cancellationToken.WaitHandle.WaitOne(Poll))
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }

    /// <summary>The lines of a run's event file as they are written, until the run has ended (the last, unterminated line too).</summary>
    public static IEnumerable<string> FollowEvents(RunLedger ledger, string eventsPath, string runId, CancellationToken cancellationToken)
    {
        long offset = 0;
        var pending = new StringBuilder();
        var buffer = new byte[64 * 1024];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        var decoder = Encoding.UTF8.GetDecoder(); // keeps a character split between two reads
        while (true)
        {
            var ended = ledger.Find(runId)?.IsEnded ?? true; // read before the file: what the run wrote before it ended is all there
            if (File.Exists(eventsPath))
            {
                using (var stream = new FileStream(eventsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                {
                    stream.Position = offset;
                    int read;
                    while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        offset += read;
                        pending.Append(chars, 0, decoder.GetChars(buffer, 0, read, chars, 0));
                    }
                }

                var text = pending.ToString();
                var last = text.LastIndexOf('\n');
                if (last >= 0)
                {
                    foreach (var line in text[..last].Split('\n'))
                    {
                        yield return line;
                    }

                    pending.Clear().Append(text[(last + 1)..]);
                }
            }

            if (ended)
            {
                if (pending.Length > 0)
                {
                    yield return pending.ToString();
                }

                yield break;
            }

            if (cancellationToken.WaitHandle.WaitOne(Poll))
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }
    }
}
