using System.Runtime.InteropServices;

namespace Msgcode.Core.Platform;

/// <summary>
/// The few POSIX calls .NET does not expose: fsync of a directory so a rename is durable, (Linux) the
/// atomic exchange of two names with what it needs to be used safely (file type and link count by statx),
/// and who owns a path, the effective user id and mkdtemp (for folders only this user may enter: in
/// NativeFs.Ownership.cs).
/// </summary>
internal static partial class NativeFs
{
    private const int O_RDONLY = 0;
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint RENAME_EXCHANGE = 2;
    private const uint STATX_TYPE = 0x1;
    private const uint STATX_MODE = 0x2;
    private const uint STATX_NLINK = 0x4;
    private const uint STATX_INO = 0x100;
    private const uint STATX_CTIME = 0x80;
    private const uint STATX_SIZE = 0x200;
    private const ushort S_IFMT = 0xF000;
    private const ushort S_IFREG = 0x8000;

    /// <summary>struct statx (linux/stat.h): the same layout on every architecture; only the leading fields are read.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct StatxBuffer
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint LinkCount;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
        public ushort Padding;
        public ulong Inode;
        public ulong Size;
        public ulong Blocks;
        public ulong AttributesMask;
        public long AccessSeconds;
        public ulong AccessRest;
        public long BirthSeconds;
        public ulong BirthRest;
        public long ChangeSeconds;
        public uint ChangeNanoseconds;
    }

    [DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2(int oldDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, int newDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath, uint flags);

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(SafeHandle fd, long offset, long count, uint flags);

    private const uint SYNC_FILE_RANGE_WAIT_BEFORE = 1;
    private const uint SYNC_FILE_RANGE_WRITE = 2;
    private const uint SYNC_FILE_RANGE_WAIT_AFTER = 4;

    /// <summary>
    /// Writes the file's dirty pages to the device and waits for that (sync_file_range), without the metadata and
    /// journal work of an fsync. False when it could not be done (the caller then fsyncs).
    /// </summary>
    public static bool TryWriteOut(SafeHandle file)
    {
        try
        {
            return SyncFileRange(file, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(SafeHandle fd, int command, int argument);

    private const int F_SETLEASE = 1024;
    private const int F_WRLCK = 1;
    private const int F_UNLCK = 2;

    /// <summary>
    /// (Linux) True when no other open file description refers to the file <paramref name="file"/> is open on, in
    /// this process or any other, whatever it locked: the kernel grants a write lease only then (fcntl F_SETLEASE
    /// F_WRLCK). The lease is let go at once, so nobody's open is ever held up by it. False when another open
    /// exists or the check cannot be made (no leases on this file system, not the file's owner): the caller then
    /// treats the file as in use.
    /// </summary>
    public static bool TryProveSoleOpen(SafeHandle file)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            if (Fcntl(file, F_SETLEASE, F_WRLCK) != 0)
            {
                return false;
            }

            _ = Fcntl(file, F_SETLEASE, F_UNLCK);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out StatxBuffer buffer);

    private static volatile bool _exchangeUnavailable = !OperatingSystem.IsLinux();

    /// <summary>What statx says of a path (not following a final symbolic link).</summary>
    /// <param name="Identity">The inode and its change time: equal identities mean nobody renamed, exchanged or changed the file in between.</param>
    public readonly record struct FileFacts(bool IsRegular, uint LinkCount, UnixFileMode Mode, (ulong Inode, long Seconds, uint Nanoseconds) Identity, long Length = 0)
    {
        /// <summary>A regular file (not a link) with exactly one name: one whose old content may be overwritten once it has been exchanged out of its name.</summary>
        public bool IsSoleRegularFile => IsRegular && LinkCount == 1;
    }

    /// <summary>False when the path does not exist or cannot be examined (or statx is not available here).</summary>
    public static bool TryStat(string path, out FileFacts facts)
    {
        facts = default;
        if (_exchangeUnavailable)
        {
            return false;
        }

        try
        {
            if (Statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_INO | STATX_CTIME | STATX_SIZE, out var buffer) != 0)
            {
                return false;
            }

            facts = new FileFacts((buffer.Mode & S_IFMT) == S_IFREG, buffer.LinkCount, (UnixFileMode)(buffer.Mode & 0xFFF), (buffer.Inode, buffer.ChangeSeconds, buffer.ChangeNanoseconds), (long)buffer.Size);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            _exchangeUnavailable = true;
            return false;
        }
    }

    /// <summary>Swaps the two names atomically (renameat2 RENAME_EXCHANGE). False when it could not be done; nothing changed then.</summary>
    public static bool TryExchange(string first, string second)
    {
        if (_exchangeUnavailable)
        {
            return false;
        }

        try
        {
            if (RenameAt2(AT_FDCWD, first, AT_FDCWD, second, RENAME_EXCHANGE) == 0)
            {
                return true;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno is 22 or 38 or 95) // EINVAL, ENOSYS, EOPNOTSUPP: this kernel or file system cannot exchange
            {
                _exchangeUnavailable = true;
            }

            return false;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            _exchangeUnavailable = true;
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    /// <summary>Best effort: makes a completed rename in <paramref name="directory"/> survive a power loss.</summary>
    public static void FsyncDirectory(string directory) => TryFsyncDirectory(directory);

    /// <summary>
    /// Makes the completed renames in <paramref name="directory"/> survive a power loss; false when that could not
    /// be done (the folder could not be opened, the fsync failed). True where there is nothing to do (Windows:
    /// NTFS journals the rename; there is no directory handle to flush) or no way to do it.
    /// </summary>
    public static bool TryFsyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        try
        {
            var fd = Open(directory, O_RDONLY);
            if (fd < 0)
            {
                return false;
            }

            try
            {
                return Fsync(fd) == 0;
            }
            finally
            {
                Close(fd);
            }
        }
        catch (DllNotFoundException)
        {
            return true;
        }
        catch (EntryPointNotFoundException)
        {
            return true;
        }
    }

    /// <summary>A process's start time in clock ticks since boot (field 22 of /proc/&lt;pid&gt;/stat), Linux only: with the PID it names one process across PID reuse.</summary>
    public static long? ProcessStartTicks(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            if (close < 0)
            {
                return null;
            }

            // After "pid (comm) " come fields 3.. ; starttime is field 22, i.e. index 19 after the comm.
            var fields = stat[(close + 2)..].Split(' ');
            return fields.Length > 19 && long.TryParse(fields[19], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
