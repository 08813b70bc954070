using Msgcode.Core.Errors;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Storage;

/// <summary>
/// Size-based rotation by rename: <c>f</c> → <c>f.1</c> → <c>f.2</c> ... keeping at most <c>maxFiles</c>
/// rotated files. Callers hold the file's lock (<see cref="FileLock.For"/>) so no append lands in
/// between. A follower that reads by name (Get-MsgcodeLog -Follow) drains the old file, then moves on.
/// </summary>
public static class FileRotation
{
    /// <summary>Rotates <paramref name="path"/> when it has reached <paramref name="maxBytes"/>; returns whether it did.</summary>
    public static bool RotateIfNeeded(string path, long maxBytes, int maxFiles, long incomingBytes = 0)
    {
        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        if (length == 0 || length + incomingBytes <= maxBytes)
        {
            return false;
        }

        Rotate(path, maxFiles);
        return true;
    }

    public static void Rotate(string path, int maxFiles)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFiles, 1);
        try
        {
            var oldest = $"{path}.{maxFiles}";
            if (File.Exists(oldest))
            {
                File.Delete(oldest);
            }

            for (var i = maxFiles - 1; i >= 1; i--)
            {
                var from = $"{path}.{i}";
                if (File.Exists(from))
                {
                    File.Move(from, $"{path}.{i + 1}", overwrite: true);
                }
            }

            if (File.Exists(path))
            {
                File.Move(path, $"{path}.1", overwrite: true);
            }

            // Files beyond the limit (left by an earlier, larger maxFiles) go too.
            for (var i = maxFiles + 1; File.Exists($"{path}.{i}"); i++)
            {
                File.Delete($"{path}.{i}");
            }

            NativeFs.FsyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MsgcodeException(ErrorIds.FileWriteFailed, MsgcodeErrorCategory.WriteError, path,
                $"Could not rotate '{path}': {ex.Message} Check the folder's permissions and free space.", ex);
        }
    }

    /// <summary>The rotated files of <paramref name="path"/>, newest first.</summary>
    public static IReadOnlyList<string> RotatedFiles(string path)
    {
        var result = new List<string>();
        for (var i = 1; File.Exists($"{path}.{i}"); i++)
        {
            result.Add($"{path}.{i}");
        }

        return result;
    }
}
