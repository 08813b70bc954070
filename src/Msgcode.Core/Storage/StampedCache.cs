namespace Msgcode.Core.Storage;

/// <summary>
/// A value computed from files, kept while none of the files has changed (by <see cref="FileStamp"/>) and
/// recomputed otherwise. Thread-safe; the value is shared, so it must not be mutated by its users.
/// </summary>
public sealed class StampedCache<TKey, TValue>
    where TKey : notnull
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<TKey, (FileStamp[] Stamps, TValue Value)> _entries = new();

    /// <param name="files">The files the value is computed from.</param>
    /// <param name="compute">Reads the files and computes the value.</param>
    /// <param name="stillValid">An extra check of a cached value (e.g. the environment it was computed with).</param>
    public TValue Get(TKey key, IReadOnlyList<string> files, Func<TValue> compute, Func<TValue, bool>? stillValid = null)
    {
        var before = new FileStamp[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            before[i] = FileStamp.Of(files[i]);
        }

        if (_entries.TryGetValue(key, out var cached) && cached.Stamps.AsSpan().SequenceEqual(before) && (stillValid is null || stillValid(cached.Value)))
        {
            return cached.Value;
        }

        var value = compute();
        var now = DateTime.UtcNow;
        var settled = true;
        for (var i = 0; i < files.Count && settled; i++)
        {
            // Settled before the read and unchanged after it: the value matches these stamps.
            settled = before[i].IsSettled(now) && FileStamp.Of(files[i]) == before[i];
        }

        if (settled)
        {
            _entries[key] = (before, value);
        }
        else
        {
            _entries.TryRemove(key, out _);
        }

        return value;
    }
}
