using Msgcode.Core.Errors;

namespace Msgcode.Core.Storage;

/// <summary>
/// An exclusive lock between processes (and threads), held on a lock file for the duration of a
/// read-modify-write. On Unix .NET takes flock(LOCK_EX) for FileShare.None, which the OS releases
/// when the holder dies, so a killed process never leaves a lock behind. The lock file itself is
/// never deleted: deleting it would let two holders lock two different inodes. Threads of one process
/// first queue on an in-memory gate per lock file, so a waiter in this process wakes the moment the
/// holder lets go instead of polling the file lock (which waits between tries); only waits on other
/// processes poll.
/// </summary>
public sealed class FileLock : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    private FileStream? _stream;
    private SemaphoreSlim? _gate;

    private FileLock(string path, FileStream stream, SemaphoreSlim gate)
    {
        Path = path;
        _stream = stream;
        _gate = gate;
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
        var gate = Gates.GetOrAdd(full, _ => new SemaphoreSlim(1, 1));
        if (!gate.Wait(timeout ?? DefaultTimeout, cancellationToken))
        {
            throw TimedOut(full, timeout, null);
        }

        try
        {
            return AcquireFile(full, gate, timeout, deadline, cancellationToken);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    private static MsgcodeException TimedOut(string full, TimeSpan? timeout, Exception? inner) => new(
        ErrorIds.LockTimeout,
        MsgcodeErrorCategory.ResourceUnavailable,
        full,
        $"Another process has held the lock '{full}' for longer than {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s. Retry, or find the process that holds it (lsof '{full}').",
        inner);

    private static FileLock AcquireFile(string full, SemaphoreSlim gate, TimeSpan? timeout, DateTime deadline, CancellationToken cancellationToken)
    {
        var delayMs = 1;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                var stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                return new FileLock(full, stream, gate);
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
            catch (IOException ex) when (ex is not FileNotFoundException && HeldByAnother(ex))
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw TimedOut(full, timeout, ex);
                }
            }
            catch (IOException ex)
            {
                // Not a lock someone holds (too many open files, a read-only or full disk, an I/O error): waiting
                // would not help, and the error should say what it is.
                throw new MsgcodeException(
                    ErrorIds.FileWriteFailed,
                    MsgcodeErrorCategory.WriteError,
                    full,
                    $"Cannot open the lock file '{full}': {ex.Message} Check the disk and the process's open files.",
                    ex);
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

    /// <summary>
    /// Whether opening the lock file failed because another holder has it locked: flock's EWOULDBLOCK (11 on
    /// Linux, 35 on macOS and the BSDs, as .NET reports it in HResult) or Windows' sharing and lock violations.
    /// </summary>
    internal static bool HeldByAnother(IOException ex)
    {
        const int sharingViolation = unchecked((int)0x80070020);
        const int lockViolation = unchecked((int)0x80070021);
        return ex.HResult switch
        {
            sharingViolation or lockViolation => true,
            11 => OperatingSystem.IsLinux(),
            35 => OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD(),
            _ => false,
        };
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        Interlocked.Exchange(ref _gate, null)?.Release();
    }
}
