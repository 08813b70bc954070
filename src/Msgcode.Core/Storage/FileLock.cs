using Msgcode.Core.Errors;

namespace Msgcode.Core.Storage;

/// <summary>
/// An exclusive lock between processes (and threads), held on a lock file for the duration of a
/// read-modify-write. On Unix .NET takes flock(LOCK_EX) for FileShare.None, which the OS releases
/// when the holder dies, so a killed process never leaves a lock behind. The lock file itself is
/// never deleted: deleting it would let two holders lock two different inodes.
/// </summary>
public sealed class FileLock : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private FileStream? _stream;

    private FileLock(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
    }

    public string Path { get; }

    /// <summary>The lock file that guards <paramref name="file"/>.</summary>
    public static string PathFor(string file) => file + ".lock";

    /// <summary>Locks <paramref name="file"/> (through its <c>.lock</c> companion).</summary>
    public static FileLock For(string file, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        => Acquire(PathFor(file), timeout, cancellationToken);

    public static FileLock Acquire(string lockPath, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var full = System.IO.Path.GetFullPath(lockPath);
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        var delayMs = 1;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                return new FileLock(full, stream);
            }
            catch (DirectoryNotFoundException)
            {
                try
                {
                    Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new MsgcodeException(
                        ErrorIds.FileWriteFailed,
                        MsgcodeErrorCategory.WriteError,
                        full,
                        $"Cannot create the folder of the lock file '{full}': {ex.Message} Check that the path leads through folders, not files.",
                        ex);
                }

                continue;
            }
            catch (IOException ex) when (ex is not FileNotFoundException)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new MsgcodeException(
                        ErrorIds.LockTimeout,
                        MsgcodeErrorCategory.ResourceUnavailable,
                        full,
                        $"Another process has held the lock '{full}' for longer than {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s. Retry, or find the process that holds it (lsof '{full}').",
                        ex);
                }
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new MsgcodeException(
                    ErrorIds.FileWriteFailed,
                    MsgcodeErrorCategory.PermissionDenied,
                    full,
                    $"Cannot create the lock file '{full}': {ex.Message} Check the folder's permissions.",
                    ex);
            }

            Thread.Sleep(delayMs);
            delayMs = Math.Min(delayMs * 2, 25);
        }
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
    }
}
