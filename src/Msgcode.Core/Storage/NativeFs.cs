using System.Runtime.InteropServices;

namespace Msgcode.Core.Storage;

/// <summary>The few POSIX calls .NET does not expose: fsync of a directory so a rename is durable.</summary>
internal static partial class NativeFs
{
    private const int O_RDONLY = 0;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    /// <summary>Best effort: makes a completed rename in <paramref name="directory"/> survive a power loss.</summary>
    public static void FsyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS journals the rename; there is no directory handle to flush.
        }

        try
        {
            var fd = Open(directory, O_RDONLY);
            if (fd < 0)
            {
                return;
            }

            try
            {
                Fsync(fd);
            }
            finally
            {
                Close(fd);
            }
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }
    }
}
