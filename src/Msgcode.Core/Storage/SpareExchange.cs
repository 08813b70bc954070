using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Storage;

/// <summary>
/// The write through a kept spare (<see cref="AtomicWriteOptions.Spare"/>), <see cref="AtomicFile"/>'s other path: the
/// contents go into one of the writer's <see cref="AtomicFile.SpareCount"/> spares, which is then exchanged with the
/// target, and this process's exchanges are counted per folder so that one folder fsync makes several durable.
/// </summary>
internal static class SpareExchange
{
    /// <summary>
    /// Writes <paramref name="contents"/> to <paramref name="full"/> through the next of the spares named after
    /// <paramref name="spare"/>; false (and nothing changed) when the exchange cannot be used here.
    /// </summary>
    public static bool TryWrite(string full, string spare, ReadOnlySpan<byte> contents, AtomicWriteOptions options)
        => TryWriteThrough(full, NextSpare(spare), contents, options);

    private static readonly ConcurrentDictionary<string, StrongBox<int>> SpareTurns = new(StringComparer.Ordinal);

    /// <summary>The spare to write through this time: the writer's turns go round the spares (the caller holds the spares' lock).</summary>
    private static string NextSpare(string spare)
    {
        var turn = SpareTurns.GetOrAdd(spare, _ => new StrongBox<int>(-1));
        var slot = (int)((uint)Interlocked.Increment(ref turn.Value) % AtomicFile.SpareCount);
        return slot == 0 ? spare : spare + slot.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Per spare: the identity its file had right after this process's last exchange through it, and that exchange's number in its folder.</summary>
    private static readonly ConcurrentDictionary<string, ((ulong Inode, long Seconds, uint Nanoseconds) Identity, FolderExchanges Folder, long Number)> Exchanged = new(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<string, FolderExchanges> Folders = new(StringComparer.Ordinal);

    /// <summary>
    /// The replace without a new file: the contents go into the kept spare, which is then exchanged with the
    /// target in one atomic step, so the spare holds the old contents for the next write. A reader still sees
    /// the old file or the new one, whole. No file is created or deleted, which matters where a file system
    /// makes each new file cost more the more files were deleted lately (ext4 without a journal skips every
    /// inode freed in the last minutes). False (and nothing changed) when the exchange cannot be used here:
    /// not Linux, no such file yet, a link, a file with other names, a spare anyone still has open.
    /// </summary>
    private static bool TryWriteThrough(string full, string spare, ReadOnlySpan<byte> contents, AtomicWriteOptions options)
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
}
