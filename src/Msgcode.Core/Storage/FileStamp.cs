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
