namespace Msgcode.Core.Storage;

/// <summary>
/// Group commit for JSON-lines files: many callers append records, and the records of a file that arrive
/// while that file is being written and fsynced go to disk together in its next batch, one lock and one
/// fsync per batch however many records it holds. Each file has its own batches, so appends to one file
/// never wait for another file's fsync (two lanes' ledgers are committed side by side). There is no timer
/// and no writer thread: the first caller that finds no write of its file in progress leads, writing that
/// file's batches on its own thread until nothing is pending (so an append nobody competes with costs what
/// a direct append costs, with no thread hop); callers that arrive meanwhile wait for it. Each append
/// returns a task that completes only once its record is written and, when it is durable, fsynced; a
/// failed write faults the task of every record of that batch, and no other. Records of one file reach it
/// in the order they were appended. The writes themselves go through <see cref="JsonlFile.AppendMany"/>:
/// under the file's lock, fenced off from a torn tail.
/// </summary>
public sealed class JsonlGroupWriter : IDisposable
{
    private sealed record Request(string Path, string[] Lines, bool Durable, TaskCompletionSource Done);

    /// <summary>One file's pending records and whether a caller is writing them.</summary>
    private sealed class FileQueue(string path)
    {
        public string Path { get; } = path;

        public List<Request> Pending { get; set; } = [];

        public bool Leading { get; set; }
    }

    private readonly object _gate = new();
    private readonly TimeSpan? _lockTimeout;
    private readonly Dictionary<string, FileQueue> _files = new(StringComparer.Ordinal);
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

    /// <summary>Starts writing what was appended while the writer was created paused (on pool threads, one per file).</summary>
    public void Start()
    {
        List<FileQueue> lead = [];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            _paused = false;
            foreach (var file in _files.Values.Where(f => !f.Leading && f.Pending.Count > 0))
            {
                file.Leading = true;
                lead.Add(file);
            }
        }

        foreach (var file in lead)
        {
            ThreadPool.UnsafeQueueUserWorkItem(f => Lead(f), file, preferLocal: false);
        }
    }

    /// <summary>Appends one record; the task completes once it is on disk (and fsynced, when <paramref name="durable"/>).</summary>
    /// <param name="writeHere">true (the default): when no write of this file is in progress, this caller writes the batch itself
    /// before returning. false: a pool thread writes it and this call returns at once, so a caller that must stay responsive
    /// (the control endpoint taking a stream of requests) lets the records behind it join the batch.</param>
    public Task AppendAsync(string path, string jsonLine, bool durable = true, bool writeHere = true) => AppendManyAsync(path, [jsonLine], durable, writeHere);

    /// <summary>Appends records that belong together (they are written in one piece, in this order).</summary>
    /// <param name="durable">false for hints whose loss a reader tolerates: written with the batch, never the reason for an fsync.</param>
    public Task AppendManyAsync(string path, IEnumerable<string> jsonLines, bool durable = true, bool writeHere = true)
        => Append(path, jsonLines, durable, writeHere);

    private Task Append(string path, IEnumerable<string> jsonLines, bool durable, bool writeHere)
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

        FileQueue file;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            if (!_files.TryGetValue(request.Path, out file!))
            {
                file = new FileQueue(request.Path);
                _files[request.Path] = file;
            }

            file.Pending.Add(request);
            if (file.Leading || _paused)
            {
                return request.Done.Task; // the write in progress, or the next batch, takes it
            }

            file.Leading = true;
        }

        if (writeHere)
        {
            Lead(file);
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(f => Lead(f), file, preferLocal: false);
        }

        return request.Done.Task;
    }

    /// <summary>Writes what is still pending, then refuses further appends.</summary>
    public void Dispose()
    {
        List<FileQueue> lead;
        lock (_gate)
        {
            if (_closing)
            {
                return;
            }

            _closing = true;
            while (_files.Values.Any(f => f.Leading))
            {
                Monitor.Wait(_gate);
            }

            lead = [.. _files.Values.Where(f => f.Pending.Count > 0)];
            foreach (var file in lead)
            {
                file.Leading = true;
            }
        }

        foreach (var file in lead)
        {
            Lead(file); // appended while paused, or after the last leader looked: still honoured
        }
    }

    /// <summary>Writes one file's batches until nothing of it is pending, then gives up the lead.</summary>
    private void Lead(FileQueue file)
    {
        while (true)
        {
            List<Request> batch;
            lock (_gate)
            {
                if (file.Pending.Count == 0 || (_paused && !_closing))
                {
                    file.Leading = false;
                    Monitor.PulseAll(_gate);
                    return;
                }

                batch = file.Pending;
                file.Pending = [];
            }

            Commit(file.Path, batch);
        }
    }

    private void Commit(string path, List<Request> batch)
    {
        var durable = batch.Exists(r => r.Durable);
        try
        {
            JsonlFile.AppendMany(path, batch.SelectMany(r => r.Lines), _lockTimeout, fsync: durable);
        }
        catch (Exception ex)
        {
            foreach (var request in batch)
            {
                request.Done.TrySetException(ex);
            }

            return;
        }

        Interlocked.Increment(ref _writes);
        Interlocked.Add(ref _records, batch.Sum(r => r.Lines.Length));
        if (durable)
        {
            Interlocked.Increment(ref _fsyncs);
        }

        foreach (var request in batch)
        {
            request.Done.TrySetResult();
        }
    }
}
