namespace Msgcode.Core.Storage;

/// <summary>
/// Group commit for JSON-lines files: many callers append records, and the records that arrive while a
/// batch is being written and fsynced go to disk together in the next batch, one lock and one fsync per
/// file however many records it holds. There is no timer and no writer thread: the first caller that finds
/// no write in progress leads, writing batches on its own thread until nothing is pending (so an append
/// nobody competes with costs what a direct append costs, with no thread hop); callers that arrive
/// meanwhile wait for it. Each append returns a task that completes only once its record is written and,
/// when it is durable, fsynced; a failed write faults the task of every record of that file in the batch,
/// and no other. Records of one file reach it in the order they were appended. The writes themselves go
/// through <see cref="JsonlFile.AppendMany"/>: under the file's lock, fenced off from a torn tail.
/// </summary>
public sealed class JsonlGroupWriter : IDisposable
{
    private sealed record Request(string Path, string[] Lines, bool Durable, TaskCompletionSource Done);

    private readonly object _gate = new();
    private readonly TimeSpan? _lockTimeout;
    private List<Request> _pending = [];
    private bool _leading;
    private bool _paused;
    private bool _closing;
    private long _writes;
    private long _fsyncs;
    private long _records;

    /// <param name="start">false to collect appends until <see cref="Start"/> (tests use it to build a batch deterministically).</param>
    public JsonlGroupWriter(TimeSpan? lockTimeout = null, bool start = true)
    {
        _lockTimeout = lockTimeout;
        _paused = !start;
    }

    /// <summary>File writes done (one per file per batch).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>fsyncs done (one per file per batch that held a durable record).</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    /// <summary>Records written.</summary>
    public long Records => Interlocked.Read(ref _records);

    /// <summary>Starts writing what was appended while the writer was created paused (on a pool thread).</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            _paused = false;
            if (_leading || _pending.Count == 0)
            {
                return;
            }

            _leading = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(_ => Lead(), null);
    }

    /// <summary>Appends one record; the task completes once it is on disk (and fsynced, when <paramref name="durable"/>).</summary>
    /// <param name="writeHere">true (the default): when no write is in progress, this caller writes the batch itself before
    /// returning. false: a pool thread writes it and this call returns at once, so a caller that must stay responsive
    /// (the control endpoint taking a stream of requests) lets the records behind it join the batch.</param>
    public Task AppendAsync(string path, string jsonLine, bool durable = true, bool writeHere = true) => AppendManyAsync(path, [jsonLine], durable, writeHere);

    /// <summary>Appends records that belong together (they are written in one piece, in this order).</summary>
    /// <param name="durable">false for hints whose loss a reader tolerates: written with the batch, never the reason for an fsync.</param>
    public Task AppendManyAsync(string path, IEnumerable<string> jsonLines, bool durable = true, bool writeHere = true)
    {
        var lines = jsonLines.ToArray();
        foreach (var line in lines)
        {
            if (line.Contains('\n') || line.Contains('\r'))
            {
                throw new ArgumentException("A JSONL record must be a single line.", nameof(jsonLines));
            }
        }

        var request = new Request(Path.GetFullPath(path), lines, durable, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (lines.Length == 0)
        {
            request.Done.SetResult();
            return request.Done.Task;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            _pending.Add(request);
            if (_leading || _paused)
            {
                return request.Done.Task; // the write in progress, or the next batch, takes it
            }

            _leading = true;
        }

        if (writeHere)
        {
            Lead();
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ => Lead(), null);
        }

        return request.Done.Task;
    }

    /// <summary>Writes what is still pending, then refuses further appends.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closing)
            {
                return;
            }

            _closing = true;
            while (_leading)
            {
                Monitor.Wait(_gate);
            }

            _leading = _pending.Count > 0;
        }

        if (_leading)
        {
            Lead(); // appended while paused, or after the last leader looked: still honoured
        }
    }

    /// <summary>Writes batches until nothing is pending, then gives up the lead.</summary>
    private void Lead()
    {
        while (true)
        {
            List<Request> batch;
            lock (_gate)
            {
                if (_pending.Count == 0 || (_paused && !_closing))
                {
                    _leading = false;
                    Monitor.PulseAll(_gate);
                    return;
                }

                batch = _pending;
                _pending = [];
            }

            Commit(batch);
        }
    }

    private void Commit(List<Request> batch)
    {
        // GroupBy keeps the files in first-appended order and each file's records in appended order.
        foreach (var file in batch.GroupBy(r => r.Path, StringComparer.Ordinal))
        {
            var requests = file.ToList();
            var durable = requests.Exists(r => r.Durable);
            try
            {
                JsonlFile.AppendMany(file.Key, requests.SelectMany(r => r.Lines), _lockTimeout, fsync: durable);
            }
            catch (Exception ex)
            {
                foreach (var request in requests)
                {
                    request.Done.TrySetException(ex);
                }

                continue;
            }

            Interlocked.Increment(ref _writes);
            Interlocked.Add(ref _records, requests.Sum(r => r.Lines.Length));
            if (durable)
            {
                Interlocked.Increment(ref _fsyncs);
            }

            foreach (var request in requests)
            {
                request.Done.TrySetResult();
            }
        }
    }
}
