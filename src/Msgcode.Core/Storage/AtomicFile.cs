using System.Runtime.CompilerServices;
using System.Text;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Storage;

/// <summary>
/// The one primitive for durable whole-file writes: write a temp file in the same folder, flush and
/// fsync it, rename it over the target, fsync the folder. A reader sees the old file or the new one,
/// never a half-written one; a crash leaves at most a stray temp, which later writes clean up.
/// </summary>
public static class AtomicFile
{
    /// <summary>Suffix of temp files; distinctive so cleanup never touches anyone else's files.</summary>
    public const string TempSuffix = ".msgcode-tmp";

    /// <summary>Temps older than this are debris of a crashed writer and are removed.</summary>
    public static readonly TimeSpan StrayTempAge = TimeSpan.FromMinutes(10);

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public static void WriteAllText(string path, string contents, AtomicWriteOptions? options = null)
        => WriteAllBytes(path, Utf8NoBom.GetBytes(contents), options);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> contents, AtomicWriteOptions? options = null)
    {
        options ??= AtomicWriteOptions.Default;
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (options.Spare is { } spare && options.BeforeReplace is null && TryWriteThroughSpare(full, NextSpare(Path.GetFullPath(spare)), contents, options))
        {
            return;
        }

        var temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..12] + TempSuffix);
        try
        {
            if (options.CreateDirectory)
            {
                Directory.CreateDirectory(directory);
            }

            var streamOptions = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
            };
            UnixFileMode? mode = OperatingSystem.IsWindows() ? null : CreateModeFor(full, options);
            if (mode is UnixFileMode createMode && !OperatingSystem.IsWindows())
            {
                streamOptions.UnixCreateMode = createMode;
            }

            using (var stream = new FileStream(temp, streamOptions))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: options.Fsync);
            }

            if (mode is UnixFileMode exact && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, exact); // the umask trimmed the create mode; the file keeps the mode it had
            }

            options.BeforeReplace?.Invoke(); // may refuse (throws): the temp is removed below, the target untouched
            var replacing = File.Exists(full);
            File.Move(temp, full, overwrite: true);
            if (!replacing && options.Fsync && !options.FolderSyncedByNextWrite)
            {
                // A new name must reach the disk for the file to exist after a power loss. A replaced name
                // needs no folder fsync: after a crash the folder holds the old file or the new one, both whole.
                NativeFs.FsyncDirectory(directory);
            }
        }
        catch (Exception ex) when (ex is not (IOException or UnauthorizedAccessException or NotSupportedException))
        {
            TryDelete(temp);
            throw;
        }
        catch (Exception ex)
        {
            TryDelete(temp);
            throw new MsgcodeException(
                ErrorIds.FileWriteFailed,
                MsgcodeErrorCategory.WriteError,
                full,
                $"Could not write '{full}': {ex.Message} Check that the folder exists and is writable, and that the disk is not full.",
                ex);
        }

        CleanStrayTempsOccasionally(directory);
    }

    /// <summary>
    /// How many spares a writer takes turns with (<see cref="AtomicWriteOptions.Spare"/>, then the same name with 1, 2
    /// and 3 appended). A spare is written over only once the exchange that made it the spare is on disk; with four,
    /// one folder fsync makes four exchanges durable, so a run of writes does one folder fsync every four writes, in
    /// the writing thread (no other thread to wake).
    /// </summary>
    public const int SpareCount = 4;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, StrongBox<int>> SpareTurns = new(StringComparer.Ordinal);

    /// <summary>The spare to write through this time: the writer's turns go round the spares (the caller holds the spares' lock).</summary>
    private static string NextSpare(string spare)
    {
        var turn = SpareTurns.GetOrAdd(spare, _ => new StrongBox<int>(-1));
        var slot = (int)((uint)Interlocked.Increment(ref turn.Value) % SpareCount);
        return slot == 0 ? spare : spare + slot.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Per spare: the identity its file had right after this process's last exchange through it, and that exchange's number in its folder.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, ((ulong Inode, long Seconds, uint Nanoseconds) Identity, FolderExchanges Folder, long Number)> Exchanged = new(StringComparer.Ordinal);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, FolderExchanges> Folders = new(StringComparer.Ordinal);

    /// <summary>
    /// The replace without a new file: the contents go into the kept spare, which is then exchanged with the
    /// target in one atomic step, so the spare holds the old contents for the next write. A reader still sees
    /// the old file or the new one, whole. No file is created or deleted, which matters where a file system
    /// makes each new file cost more the more files were deleted lately (ext4 without a journal skips every
    /// inode freed in the last minutes). False (and nothing changed) when the exchange cannot be used here:
    /// not Linux, no such file yet, a link, a file with other names, a spare anyone still has open.
    /// </summary>
    private static bool TryWriteThroughSpare(string full, string spare, ReadOnlySpan<byte> contents, AtomicWriteOptions options)
    {
        if (OperatingSystem.IsWindows() || !NativeFs.TryStat(full, out var target) || !target.IsSoleRegularFile)
        {
            return false;
        }

        var directory = Path.GetDirectoryName(full)!;
        if (NativeFs.TryStat(spare, out var kept))
        {
            if (!kept.IsSoleRegularFile)
            {
                return false; // a link or a hard-linked file: writing into it would change another file
            }

            // The spare's file had the name of some task until its exchange: that exchange must be on disk before
            // the file is written over, or after a crash that task's name could show these contents. Our own
            // exchanges are counted per folder, and one folder fsync makes all of them durable that came before it:
            // it is done here only when none was done since this spare's exchange (with four spares, once every
            // four writes). Anyone else's exchange (another process's) is made durable here.
            // A folder fsync that fails leaves the spare alone: this write takes the temp-and-rename path.
            var durable = Exchanged.TryGetValue(spare, out var mine) && mine.Identity == kept.Identity
                ? mine.Folder.SyncThrough(mine.Number)
                : FolderOf(directory).SyncThrough(long.MaxValue);
            if (!durable)
            {
                return false;
            }
        }

        try
        {
            // The mode the file has (a person may have narrowed it), as the temp-and-rename path keeps it.
            var mode = options.OwnerOnly ? UnixFileMode.UserRead | UnixFileMode.UserWrite : target.Mode;
            // The spare's file was some task's file until its exchange: whoever opened it then (an editor, git, a
            // backup, a reader in this process) may still read it, and must never find another task's contents
            // there. Share.None stops a .NET reader (it holds a shared lock); the kernel's lease check stops any
            // other, locked or not: the write then falls back to a new temp file. Only the spare's own name leads
            // to the file now, so no reader of a task starts reading it between this check and the write.
            using (var stream = new FileStream(spare, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0, UnixCreateMode = mode }))
            {
                if (!NativeFs.TryProveSoleOpen(stream.SafeFileHandle))
                {
                    return false;
                }

                // Written over the old contents (not truncated first: freeing and allocating the blocks again
                // costs ten times the write), then cut to length.
                stream.Write(contents);
                stream.SetLength(contents.Length);
                File.SetUnixFileMode(stream.SafeFileHandle, mode);
                // The contents reach the device before the exchange is made, so the exchange never shows old
                // contents under the new name. Without options.Fsync the pages are written and waited for, not
                // fsynced: a journaling file system makes the exchange durable only with a commit that flushes
                // the device's cache first (the folder's fsync below), so after a crash the name holds the old
                // file or the new one, whole.
                if (options.Fsync || !NativeFs.TryWriteOut(stream.SafeFileHandle))
                {
                    stream.Flush(flushToDisk: true);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        if (!NativeFs.TryExchange(spare, full))
        {
            return false;
        }

        var folder = FolderOf(directory);
        var number = folder.Exchanged();
        if (options.Fsync)
        {
            _ = folder.SyncThrough(number); // durable now (best effort, like the temp-and-rename path's folder fsync)
        }

        if (NativeFs.TryStat(spare, out var exchanged))
        {
            // Without options.Fsync the exchange is durable at the folder's next fsync, at the latest before this
            // spare is written over again (see above).
            Exchanged[spare] = (exchanged.Identity, folder, number);
        }
        else
        {
            Exchanged.TryRemove(spare, out _);
        }

        return true;
    }

    /// <summary>How many folder fsyncs this process did for exchanges in <paramref name="directory"/> (for tests).</summary>
    internal static long FolderFsyncs(string directory) => Folders.TryGetValue(Path.GetFullPath(directory), out var folder) ? folder.Fsyncs : 0;

    private static FolderExchanges FolderOf(string directory) => Folders.GetOrAdd(directory, d => new FolderExchanges(d));

    /// <summary>This process's exchanges in one folder, numbered, and how many of them a folder fsync has made durable.</summary>
    private sealed class FolderExchanges(string directory)
    {
        private long _exchanges;
        private long _durable;
        private long _fsyncs;

        /// <summary>How many folder fsyncs were done for this folder's exchanges (for tests).</summary>
        public long Fsyncs => Interlocked.Read(ref _fsyncs);

        /// <summary>Counts an exchange just made; returns its number.</summary>
        public long Exchanged() => Interlocked.Increment(ref _exchanges);

        /// <summary>
        /// Makes exchange <paramref name="number"/> durable (long.MaxValue: every exchange in the folder, anyone's) with
        /// a folder fsync, unless one that started after it has already ended. False when the fsync failed: nothing
        /// is counted durable then.
        /// </summary>
        public bool SyncThrough(long number)
        {
            if (Interlocked.Read(ref _durable) >= number)
            {
                return true;
            }

            var upTo = Interlocked.Read(ref _exchanges); // every exchange counted so far was made before this fsync
            Interlocked.Increment(ref _fsyncs);
            if (!NativeFs.TryFsyncDirectory(directory))
            {
                return false;
            }

            long seen;
            while ((seen = Interlocked.Read(ref _durable)) < upTo && Interlocked.CompareExchange(ref _durable, upTo, seen) != seen)
            {
            }

            return true;
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTime> LastCleaned = new(StringComparer.Ordinal);

    /// <summary>
    /// Stray temps are cleaned at most once per folder every few minutes per process: scanning a folder of
    /// 100,000 task files on every write would make writing quadratic.
    /// </summary>
    private static void CleanStrayTempsOccasionally(string directory)
    {
        var now = DateTime.UtcNow;
        if (LastCleaned.TryGetValue(directory, out var last) && now - last < TimeSpan.FromMinutes(5))
        {
            return;
        }

        LastCleaned[directory] = now;
        CleanStrayTemps(directory);
    }

    /// <summary>Removes temp files left by crashed writers of <paramref name="fileName"/> (or of every file, when null).</summary>
    public static int CleanStrayTemps(string directory, string? fileName = null, TimeSpan? olderThan = null)
    {
        var age = olderThan ?? StrayTempAge;
        var removed = 0;
        try
        {
            var pattern = fileName is null ? "*" + TempSuffix : "." + fileName + ".*" + TempSuffix;
            foreach (var file in Directory.EnumerateFiles(directory, pattern))
            {
                try
                {
                    if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) >= age)
                    {
                        File.Delete(file);
                        removed++;
                    }
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return removed;
    }

    private static UnixFileMode CreateModeFor(string target, AtomicWriteOptions options)
    {
        if (options.OwnerOnly)
        {
            return UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        if (!OperatingSystem.IsWindows() && File.Exists(target))
        {
            try
            {
                return File.GetUnixFileMode(target); // keep the mode a person gave the file
            }
            catch (IOException)
            {
            }
        }

        return UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Options of <see cref="AtomicFile"/>.</summary>
public sealed record AtomicWriteOptions
{
    public static readonly AtomicWriteOptions Default = new();

    /// <summary>Create the file readable and writable by its owner only (for files that may hold secrets).</summary>
    public bool OwnerOnly { get; init; }

    /// <summary>Create the containing folder when it is missing.</summary>
    public bool CreateDirectory { get; init; } = true;

    /// <summary>
    /// fsync before the rename (the default). Off only for files whose truth is recorded durably elsewhere
    /// and repaired from there after a crash (a task's status while it runs: the run ledger is the record).
    /// The replace stays atomic either way.
    /// </summary>
    public bool Fsync { get; init; } = true;

    /// <summary>
    /// A file the caller keeps beside the target and writes only under a lock of its own (a store's update
    /// lock): the write goes into it and the two are exchanged (Linux), so no file is created or deleted.
    /// Writes take turns with <see cref="AtomicFile.SpareCount"/> such files (this name, then with 1, 2, 3
    /// appended). Where that cannot be done, the write takes the usual temp-and-rename path.
    /// </summary>
    public string? Spare { get; init; }

    /// <summary>
    /// A new file's name is made durable by the caller's next write in the same folder (which creates a file too, and
    /// fsyncs the folder after its rename): two new files then share one folder fsync. Until that write returns, a
    /// power loss may forget this name.
    /// </summary>
    public bool FolderSyncedByNextWrite { get; init; }

    /// <summary>
    /// Called after the new contents are written (and fsynced) and just before they replace the file: a last look
    /// at the file (has someone changed it meanwhile?). An exception from it leaves the file as it was and no temp
    /// behind, and reaches the caller. Writes through a <see cref="Spare"/> are not made when it is set.
    /// </summary>
    public Action? BeforeReplace { get; init; }
}

/// <summary>
/// The atomic replace for content too large to hold in memory (a runner's output): write to the stream,
/// then <see cref="Commit"/> flushes, fsyncs and renames into place. Disposed without a commit, the
/// temp file is removed and the target is untouched.
/// </summary>
public sealed class AtomicFileStream : Stream
{
    private readonly FileStream _inner;
    private readonly string _temp;
    private bool _committed;

    public AtomicFileStream(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        _temp = System.IO.Path.Combine(directory, "." + System.IO.Path.GetFileName(Path) + "." + Guid.NewGuid().ToString("N")[..12] + AtomicFile.TempSuffix);
        _inner = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
    }

    public string Path { get; }

    public void Commit()
    {
        _inner.Flush(flushToDisk: true);
        _inner.Dispose();
        File.Move(_temp, Path, overwrite: true);
        NativeFs.FsyncDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _committed = true;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _inner.Length;

    public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }

    public override void Flush() => _inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_committed)
        {
            try
            {
                _inner.Dispose(); // flushes what is buffered: on a full disk that fails, and the file goes anyway
            }
            catch (IOException)
            {
            }

            try
            {
                File.Delete(_temp);
            }
            catch (IOException)
            {
            }
        }

        base.Dispose(disposing);
    }
}
