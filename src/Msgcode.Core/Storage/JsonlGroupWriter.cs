namespace Msgcode.Core.Storage;

/// <summary>
/// Group commit for JSON-lines files: many callers append records, one writer thread puts them on disk.
/// Every record that arrives while the previous batch is being written and fsynced joins the next batch,
/// so a batch costs one lock and one fsync per file however many records it holds. Each append returns
/// a task that completes only once its record is written and, when it is durable, fsynced; a failed
/// write faults the task of every record of that file in the batch, and no other. Records of one file
/// reach it in the order they were appended. The writes themselves go through
/// <see cref="JsonlFile.AppendMany"/>: under the file's lock, fenced off from a torn tail.
/// </summary>
public sealed class JsonlGroupWriter : IDisposable
{
    private sealed record Request(string Path, string[] Lines, bool Durable, TaskCompletionSource Done);

    private readonly object _gate = new();
    private readonly TimeSpan _window;
    private readonly TimeSpan? _lockTimeout;
    private List<Request> _pending = [];
    private Thread? _thread;
    private bool _closing;
    private long _writes;
    private long _fsyncs;
    private long _records;

    /// <param name="window">How long the writer waits after the first record of a batch for more to join it.
    /// Zero (the default) takes what piled up while the previous batch was written: no record waits for a timer.</param>
    /// <param name="start">false to collect appends until <see cref="Start"/> (tests use it to build a batch deterministically).</param>
    public JsonlGroupWriter(TimeSpan? window = null, TimeSpan? lockTimeout = null, bool start = true)
    {
        _window = window ?? TimeSpan.Zero;
        _lockTimeout = lockTimeout;
        if (start)
        {
            Start();
        }
    }

    /// <summary>File writes done (one per file per batch).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>fsyncs done (one per file per batch that held a durable record).</summary>
    public long Fsyncs => Interlocked.Read(ref _fsyncs);

    /// <summary>Records written.</summary>
    public long Records => Interlocked.Read(ref _records);

    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closing, this);
            if (_thread is not null)
            {
                return;
            }

            _thread = new Thread(Run) { IsBackground = true, Name = "msgcode group commit" };
            _thread.Start();
        }
    }

    /// <summary>Appends one record; the task completes once it is on disk (and fsynced, when <paramref name="durable"/>).</summary>
    public Task AppendAsync(string path, string jsonLine, bool durable = true) => AppendManyAsync(path, [jsonLine], durable);

    /// <summary>Appends records that belong together (they are written in one piece, in this order).</summary>
    /// <param name="durable">false for hints whose loss a reader tolerates: written with the batch, never the reason for an fsync.</param>
    public Task AppendManyAsync(string path, IEnumerable<string> jsonLines, bool durable = true)
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
            Monitor.Pulse(_gate);
        }

        return request.Done.Task;
    }

    /// <summary>Writes what is still pending, then stops the writer. Appends after this throw.</summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_gate)
        {
            if (_closing)
            {
                return;
            }

            _closing = true;
            thread = _thread;
            Monitor.PulseAll(_gate);
        }

        if (thread is not null)
        {
            thread.Join();
        }
        else
        {
            Commit(TakePending()); // never started: still honour what was appended
        }
    }

    private List<Request> TakePending()
    {
        lock (_gate)
        {
            var batch = _pending;
            _pending = [];
            return batch;
        }
    }

    private void Run()
    {
        while (true)
        {
            lock (_gate)
            {
                while (_pending.Count == 0 && !_closing)
                {
                    Monitor.Wait(_gate);
                }

                if (_pending.Count == 0)
                {
                    return; // closing, and everything is written
                }
            }

            if (_window > TimeSpan.Zero)
            {
                Thread.Sleep(_window);
            }

            Commit(TakePending());
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
