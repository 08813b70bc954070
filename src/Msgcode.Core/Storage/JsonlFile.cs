using System.Text;
using System.Text.Json;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Storage;

/// <summary>
/// The one append primitive for JSON-lines files, and its reader. Appends run under the file's lock,
/// start on a fresh line when a crashed writer left a torn tail, and are fsynced. The reader skips an
/// unterminated last fragment (a write in progress or torn) and reports a malformed complete line
/// with its file and line number instead of failing.
/// </summary>
public static class JsonlFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(false);

    public static void Append(string path, string jsonLine) => AppendMany(path, [jsonLine]);

    /// <param name="beforeWrite">Runs under the file's lock before the append, with the number of bytes about
    /// to be written (used to rotate a log without a window in which another writer could append).</param>
    /// <param name="fsync">false only for records whose loss a reader can tolerate (a hint another file backs up).</param>
    public static void AppendMany(string path, IEnumerable<string> jsonLines, TimeSpan? lockTimeout = null, Action<long>? beforeWrite = null, bool fsync = true)
    {
        var full = Path.GetFullPath(path);
        var buffer = new MemoryStream();
        foreach (var line in jsonLines)
        {
            if (line.Contains('\n') || line.Contains('\r'))
            {
                throw new ArgumentException("A JSONL record must be a single line.", nameof(jsonLines));
            }

            buffer.Write(Utf8NoBom.GetBytes(line));
            buffer.WriteByte((byte)'\n');
        }

        if (buffer.Length == 0)
        {
            return;
        }

        using var fileLock = FileLock.For(full, lockTimeout);
        beforeWrite?.Invoke(buffer.Length);
        try
        {
            using var stream = OpenForAppend(full);
            buffer.Position = 0;
            buffer.CopyTo(stream);
            stream.Flush(flushToDisk: fsync);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MsgcodeException(ErrorIds.FileWriteFailed, MsgcodeErrorCategory.WriteError, full,
                $"Could not append to '{full}': {ex.Message} Check that the folder is writable and the disk is not full.", ex);
        }
    }

    /// <summary>
    /// Opens a JSONL file for appending (created with its folder when missing), positioned at its end; a torn last
    /// line (a writer that died mid-record) is ended first, so the next record is never glued onto a fragment. The
    /// caller holds the file's lock. Throws IOException or UnauthorizedAccessException.
    /// </summary>
    internal static FileStream OpenForAppend(string full)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        try
        {
            if (stream.Length > 0)
            {
                stream.Seek(-1, SeekOrigin.End);
                if (stream.ReadByte() != '\n')
                {
                    stream.WriteByte((byte)'\n');
                }
            }

            stream.Seek(0, SeekOrigin.End);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// fsyncs what has been appended to <paramref name="path"/> (by anyone): the second half of an append made
    /// with <c>fsync: false</c> by a caller that has other work to do while the disk catches up.
    /// </summary>
    public static void Fsync(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            stream.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MsgcodeException(ErrorIds.FileWriteFailed, MsgcodeErrorCategory.WriteError, full,
                $"Could not flush '{full}' to disk: {ex.Message} Check that the disk is healthy and not full.", ex);
        }
    }

    /// <summary>
    /// Reads every complete line from the start. Malformed complete lines go to <paramref name="onProblem"/>
    /// (ErrorId <see cref="ErrorIds.JsonlLineMalformed"/>) and are skipped; an unterminated last
    /// fragment is skipped silently (it is a write in progress or the debris of a crash).
    /// </summary>
    public static IEnumerable<JsonlLine> Read(string path, Action<MsgcodeProblem>? onProblem = null)
    {
        var full = Path.GetFullPath(path);
        FileStream stream;
        try
        {
            stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        }
        catch (FileNotFoundException)
        {
            yield break;
        }
        catch (DirectoryNotFoundException)
        {
            yield break;
        }

        using (stream)
        {
            var lineNumber = 0L;
            var basePosition = 0L; // file offset of chunk[0]
            var lineStart = 0L;
            var pending = new MemoryStream();
            var chunk = new byte[1 << 16];
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                var start = 0;
                for (var i = 0; i < read; i++)
                {
                    if (chunk[i] != (byte)'\n')
                    {
                        continue;
                    }

                    pending.Write(chunk, start, i - start);
                    lineNumber++;
                    var text = Utf8NoBom.GetString(pending.GetBuffer(), 0, (int)pending.Length).TrimEnd('\r');
                    pending.SetLength(0);
                    var current = new JsonlLine(lineNumber, lineStart, text);
                    lineStart = basePosition + i + 1;
                    start = i + 1;
                    if (text.Length == 0)
                    {
                        continue;
                    }

                    if (IsWellFormed(text, out var error))
                    {
                        yield return current;
                    }
                    else
                    {
                        onProblem?.Invoke(Malformed(full, lineNumber, error, text));
                    }
                }

                pending.Write(chunk, start, read - start); // an unfinished line waits for its newline
                basePosition += read;
            }
        }
    }

    /// <summary>
    /// The last <paramref name="count"/> well-formed lines, newest last, read backwards from the end so
    /// the cost does not grow with the file. Line numbers are 0 (unknown) in the result.
    /// </summary>
    public static IReadOnlyList<JsonlLine> ReadTail(string path, int count, Action<MsgcodeProblem>? onProblem = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var full = Path.GetFullPath(path);
        var result = new List<JsonlLine>(Math.Min(count, 1024));
        if (count == 0)
        {
            return result;
        }

        FileStream stream;
        try
        {
            stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return result;
        }

        using (stream)
        {
            var end = stream.Length;
            // Drop an unterminated tail: find the last newline.
            var chunk = new byte[1 << 16];
            var position = end;
            var carry = Array.Empty<byte>(); // bytes after the newest newline seen so far (a partial line)
            var seenTerminator = false;
            while (position > 0 && result.Count < count)
            {
                var size = (int)Math.Min(chunk.Length, position);
                position -= size;
                stream.Seek(position, SeekOrigin.Begin);
                stream.ReadExactly(chunk, 0, size);
                var segmentEnd = size; // exclusive end within chunk of the bytes not yet consumed
                for (var i = size - 1; i >= 0 && result.Count < count; i--)
                {
                    if (chunk[i] != (byte)'\n')
                    {
                        continue;
                    }

                    if (!seenTerminator)
                    {
                        // Everything after the last newline is a torn or in-progress fragment.
                        seenTerminator = true;
                        carry = Array.Empty<byte>();
                        segmentEnd = i;
                        continue;
                    }

                    var lineBytes = Concat(chunk, i + 1, segmentEnd - (i + 1), carry);
                    carry = Array.Empty<byte>();
                    segmentEnd = i;
                    AddTailLine(full, position + i + 1, lineBytes, result, onProblem);
                }

                if (result.Count < count)
                {
                    carry = seenTerminator ? Concat(chunk, 0, segmentEnd, carry) : Array.Empty<byte>();
                }
            }

            if (position == 0 && seenTerminator && result.Count < count && carry.Length > 0)
            {
                AddTailLine(full, 0, carry, result, onProblem);
            }
        }

        result.Reverse();
        return result;
    }

    private static void AddTailLine(string path, long offset, byte[] bytes, List<JsonlLine> result, Action<MsgcodeProblem>? onProblem)
    {
        var text = Utf8NoBom.GetString(bytes).TrimEnd('\r');
        if (text.Length == 0)
        {
            return;
        }

        if (IsWellFormed(text, out var error))
        {
            result.Add(new JsonlLine(0, offset, text));
        }
        else
        {
            onProblem?.Invoke(IsTorn(text)
                ? new MsgcodeProblem(ErrorIds.JsonlLineTorn, MsgcodeErrorCategory.InvalidData, path,
                    $"A record at byte offset {offset} was cut short by a crash while it was written; it never took effect and is skipped.", null)
                : new MsgcodeProblem(ErrorIds.JsonlLineMalformed, MsgcodeErrorCategory.InvalidData, path,
                    $"Malformed JSON line at byte offset {offset}: {error}", null));
        }
    }

    private static byte[] Concat(byte[] chunk, int start, int length, byte[] carry)
    {
        var bytes = new byte[length + carry.Length];
        Buffer.BlockCopy(chunk, start, bytes, 0, length);
        Buffer.BlockCopy(carry, 0, bytes, length, carry.Length);
        return bytes;
    }

    private static bool IsWellFormed(string text, out string error)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "a record must be a JSON object";
                return false;
            }

            error = string.Empty;
            return true;
        }
        catch (JsonException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    private static MsgcodeProblem Malformed(string path, long line, string error, string text)
        => IsTorn(text)
            ? new(ErrorIds.JsonlLineTorn, MsgcodeErrorCategory.InvalidData, path,
                $"Line {line} is a record cut short by a crash while it was written (the next append fenced it off); it never took effect and is skipped.", (int)Math.Min(line, int.MaxValue))
            : new(ErrorIds.JsonlLineMalformed, MsgcodeErrorCategory.InvalidData, path,
                $"Malformed JSON on line {line}: {error} The line is skipped; fix or remove it by hand.", (int)Math.Min(line, int.MaxValue));

    /// <summary>
    /// A record cut short: the start of a JSON object whose text ends while an object, array or string is still open.
    /// (A line that closes its object and is still invalid was written wrong, or edited by hand: that is malformed.)
    /// </summary>
    public static bool IsTorn(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed.Length == 0 || trimmed[0] != '{')
        {
            return false;
        }

        var depth = 0;
        var inString = false;
        var escaped = false;
        foreach (var c in trimmed)
        {
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{' or '[':
                    depth++;
                    break;
                case '}' or ']':
                    depth--;
                    if (depth <= 0)
                    {
                        return false; // closed: not cut short
                    }

                    break;
            }
        }

        return depth > 0 || inString;
    }
}
