namespace Msgcode.Core.Daemon;

/// <summary>The stop of each run the work queue has in progress, by run id: what a user's stop (<see cref="WorkQueue.Cancel"/>) reaches.</summary>
internal sealed class RunStops
{
    private readonly object _gate = new();
    private readonly Dictionary<string, CancellationTokenSource> _stops = new(StringComparer.Ordinal);

    /// <summary>From the start of a run until <see cref="Remove"/>: <paramref name="stop"/> is what stops it.</summary>
    public void Add(string runId, CancellationTokenSource stop)
    {
        lock (_gate)
        {
            _stops[runId] = stop;
        }
    }

    public void Remove(string runId)
    {
        lock (_gate)
        {
            _stops.Remove(runId);
        }
    }

    /// <summary>Stops a running run. False when it is not running here.</summary>
    public bool Cancel(string runId)
    {
        CancellationTokenSource? stop;
        lock (_gate)
        {
            _stops.TryGetValue(runId, out stop);
        }

        if (stop is null)
        {
            return false;
        }

        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        return true;
    }
}
