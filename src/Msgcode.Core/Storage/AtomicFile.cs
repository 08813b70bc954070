using System.Text;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Storage;

/// <summary>
/// The one primitive for durable whole-file writes: write a temp file in the same folder, flush and
/// fsync it, rename it over the target, fsync the folder. A reader sees the old file or the new one,
/// never a half-written one; a crash leaves at most a stray temp, which later writes clean up. A write with a
/// <see cref="AtomicWriteOptions.Spare"/> goes through that kept file instead, where it can (<see cref="SpareExchange"/>).
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
        if (options.Spare is { } spare && options.BeforeReplace is null && SpareExchange.TryWrite(full, Path.GetFullPath(spare), contents, options))
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
