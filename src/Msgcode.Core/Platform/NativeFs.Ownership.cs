using System.Runtime.InteropServices;

namespace Msgcode.Core.Platform;

// Who owns a path, the effective user id and mkdtemp: what the daemon's control endpoint needs to keep its folder
// and socket to this user. A part of NativeFs of its own (its callers name NativeFs.EntryKind and NativeFs.Ownership);
// the statx call it shares with the exchange is in NativeFs.cs.
internal static partial class NativeFs
{
    private const uint STATX_UID = 0x8;
    private const ushort S_IFDIR = 0x4000;
    private const ushort S_IFLNK = 0xA000;
    private const ushort S_IFSOCK = 0xC000;

    /// <summary>The start of struct stat on macOS (64-bit inodes, the same on x64 and arm64); only the leading fields are read.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct DarwinStatBuffer
    {
        public int Device;
        public ushort Mode;
        public ushort LinkCount;
        public ulong Inode;
        public uint Uid;
        public uint Gid;
    }

    // x64 macOS keeps the old 32-bit-inode struct under the plain name; arm64 has only the 64-bit one, as lstat.
    [DllImport("libc", EntryPoint = "lstat$INODE64", SetLastError = true)]
    private static extern int DarwinLStatX64([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out DarwinStatBuffer buffer);

    [DllImport("libc", EntryPoint = "lstat", SetLastError = true)]
    private static extern int DarwinLStatArm64([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out DarwinStatBuffer buffer);

    /// <summary>The start of .NET's own FileStatus (System.Native, the same on every Unix); only the leading fields are read.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct RuntimeFileStatus
    {
        public int Flags;
        public int Mode;
        public uint Uid;
        public uint Gid;
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
    private static extern int RuntimeLStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out RuntimeFileStatus buffer);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint NativeGeteuid();

    [DllImport("libc", EntryPoint = "mkdtemp", SetLastError = true)]
    private static extern IntPtr NativeMkdtemp(byte[] template);

    public enum EntryKind
    {
        Other,
        Regular,
        Directory,
        SymbolicLink,
        Socket,
    }

    /// <summary>What a path is, who owns it, and its permission bits (a final symbolic link is not followed).</summary>
    public readonly record struct Ownership(EntryKind Kind, uint OwnerId, UnixFileMode Mode);

    /// <summary>The effective user id: the owner of what this process creates.</summary>
    public static uint EffectiveUserId() => NativeGeteuid();

    /// <summary>
    /// Who owns <paramref name="path"/> (lstat: a final symbolic link is reported as one; end the path with
    /// "/." to follow it). False when the path does not exist or cannot be examined here (Linux and macOS only).
    /// </summary>
    public static bool TryGetOwnership(string path, out Ownership facts)
    {
        facts = default;
        try
        {
            if (OperatingSystem.IsLinux())
            {
                if (Statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE | STATX_UID, out var buffer) != 0
                    || (buffer.Mask & (STATX_TYPE | STATX_MODE | STATX_UID)) != (STATX_TYPE | STATX_MODE | STATX_UID))
                {
                    return false;
                }

                facts = ToOwnership(buffer.Mode, buffer.Uid);
                return true;
            }

            if (OperatingSystem.IsMacOS())
            {
                DarwinStatBuffer buffer;
                var result = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? DarwinLStatX64(path, out buffer) : DarwinLStatArm64(path, out buffer);
                if (result != 0)
                {
                    return false;
                }

                facts = ToOwnership(buffer.Mode, buffer.Uid);
                return true;
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A C library without statx (musl before 1.2.5): ask the runtime's own lstat below.
        }

        return !OperatingSystem.IsWindows() && TryGetOwnershipFromRuntime(path, out facts);
    }

    /// <summary>
    /// The same through the lstat of .NET's System.Native library (the one FileSystemInfo uses), whose FileStatus
    /// begins with flags, mode, uid and gid on every Unix: for a C library that lacks the call used above.
    /// </summary>
    internal static bool TryGetOwnershipFromRuntime(string path, out Ownership facts)
    {
        facts = default;
        try
        {
            if (RuntimeLStat(path, out var buffer) != 0)
            {
                return false;
            }

            facts = ToOwnership((ushort)buffer.Mode, buffer.Uid);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static Ownership ToOwnership(ushort mode, uint owner)
    {
        var kind = (mode & S_IFMT) switch
        {
            S_IFREG => EntryKind.Regular,
            S_IFDIR => EntryKind.Directory,
            S_IFLNK => EntryKind.SymbolicLink,
            S_IFSOCK => EntryKind.Socket,
            _ => EntryKind.Other,
        };
        return new Ownership(kind, owner, (UnixFileMode)(mode & 0xFFF));
    }

    /// <summary>
    /// mkdtemp(3): creates <c>&lt;parent&gt;/&lt;prefix&gt;XXXXXX</c> with a random name, atomically and with mode 0700,
    /// and returns its path. Throws <see cref="IOException"/> when it could not.
    /// </summary>
    public static string MakeUniqueDirectory(string parent, string prefix)
    {
        var template = System.Text.Encoding.UTF8.GetBytes(Path.Combine(parent, prefix + "XXXXXX") + "\0");
        if (NativeMkdtemp(template) == IntPtr.Zero)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"mkdtemp in '{parent}' failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }

        return System.Text.Encoding.UTF8.GetString(template, 0, template.Length - 1);
    }
}
