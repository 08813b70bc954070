namespace Msgcode.Core.Storage;

/// <summary>
/// What a file looks like from outside (whether it exists, its length and last write time), for caches of
/// parsed files that must notice a change without reading the file. One stat, no open.
/// </summary>
public readonly record struct FileStamp(bool Exists, long Length, long LastWriteTicks)
{
    /// <summary>
    /// A file written this recently may be written again within the file system's timestamp granularity
    /// with the same length, and the stamp would not change: such a stamp is not trusted (git's "racy" rule).
    /// </summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    public static FileStamp Of(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(true, info.Length, info.LastWriteTimeUtc.Ticks) : default;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new FileStamp(false, -1, 0); // unreadable: never equal to a good stamp, so never cached as one
        }
    }

    /// <summary>True when the stamp is old enough to trust: missing, or last written more than <see cref="SettleTime"/> ago.</summary>
    public bool IsSettled(DateTime nowUtc) => (!Exists && Length == 0) || (Exists && nowUtc.Ticks - LastWriteTicks > SettleTime.Ticks);
}

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
