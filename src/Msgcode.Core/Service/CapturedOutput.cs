using Msgcode.Core.Config;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Service;

/// <summary>
/// launchd's captured stdout and stderr files (the plist's StandardOutPath and StandardErrorPath): launchd appends to
/// them across every start and never trims them. The daemon, once it holds its lock, keeps the previous run's output
/// as <c>&lt;file&gt;.1</c> (its last <see cref="KeptBytes"/>) and empties the file, so each holds one run at most.
/// The file is emptied in place, not renamed: the daemon's own stdout and stderr are that file.
/// </summary>
public static class CapturedOutput
{
    /// <summary>How much of the previous run's output is kept.</summary>
    public const int KeptBytes = 1024 * 1024;

    public static void Rotate(MsgcodeHome home)
    {
        foreach (var path in new[] { ServiceDefinition.CrashOutPathOf(home), ServiceDefinition.CrashErrPathOf(home) })
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
                if (stream.Length == 0)
                {
                    continue;
                }

                var keep = (int)Math.Min(stream.Length, KeptBytes);
                var tail = new byte[keep];
                stream.Seek(-keep, SeekOrigin.End);
                stream.ReadExactly(tail);
                AtomicFile.WriteAllBytes(path + ".1", tail);
                stream.SetLength(0);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Not there (never written) or not ours to trim: nothing to do, and no reason not to start.
            }
        }
    }
}
