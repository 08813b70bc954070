using System.Text;

namespace Msgcode.Core.Logging;

/// <summary>
/// <c>tail -F</c> for msgcode's log: the last N lines, then new lines as they are written. Survives
/// truncation (a marker, then from the start) and rotation by rename (the old file is read to its end,
/// then the new file from its start), so no line is lost. Reads by name, so it works while the daemon is
/// down, which is when logs matter most.
/// </summary>
public sealed class LogFollower : IDisposable
{
    private readonly string _path;
    private FileStream? _current;
    private long _position;
    private readonly MemoryStream _partial = new();
    private string? _firstLine;

    public LogFollower(string path)
    {
        _path = Path.GetFullPath(path);
    }

    public string FilePath => _path;

    /// <summary>The last <paramref name="count"/> complete lines of the log (reading into the newest rotated file when the current one is short), and positions the follower at the end.</summary>
    public IReadOnlyList<string> Start(int count)
    {
        var lines = new List<string>();
        if (count > 0)
        {
            foreach (var file in new[] { _path, _path + ".1" })
            {
                if (!File.Exists(file))
                {
                    continue;
                }

                var tail = TailLines(file, count - lines.Count);
                lines.InsertRange(0, tail);
                if (lines.Count >= count)
                {
                    break;
                }
            }
        }

        if (TryOpen(out var stream))
        {
            _current = stream;
            _position = stream.Length;
            _firstLine = ReadFirstLine(stream);
            // Position after the last complete line; an unterminated tail will be read when it completes.
            _position = LastNewlineEnd(stream);
        }

        return lines;
    }

    /// <summary>Lines written since the last call (markers for truncation and rotation included).</summary>
    public IReadOnlyList<LogEntry> Poll()
    {
        var result = new List<LogEntry>();
        if (_current is null)
        {
            if (!TryOpen(out var opened))
            {
                return result;
            }

            _current = opened;
            _position = 0;
            _firstLine = null;
        }

        if (_current.Length < _position)
        {
            result.Add(new LogEntry { Line = string.Empty, Marker = "truncated" });
            _position = 0;
            _partial.SetLength(0);
            _firstLine = null;
        }

        ReadNew(result, flushPartial: false);
        _firstLine ??= ReadFirstLine(_current);

        if (IsReplaced())
        {
            ReadNew(result, flushPartial: true); // drain the old file to its very end
            _current.Dispose();
            _current = null;
            if (TryOpen(out var next))
            {
                result.Add(new LogEntry { Line = string.Empty, Marker = "rotated" });
                _current = next;
                _position = 0;
                _firstLine = null;
                ReadNew(result, flushPartial: false);
                _firstLine = ReadFirstLine(_current);
            }
        }

        return result;
    }

    public void Dispose()
    {
        _current?.Dispose();
        _partial.Dispose();
    }

    private bool IsReplaced()
    {
        if (_current is null)
        {
            return false;
        }

        long pathLength;
        string? pathFirst;
        try
        {
            using var probe = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            pathLength = probe.Length;
            pathFirst = ReadFirstLine(probe);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false; // renamed away, not yet recreated: keep reading the old one
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        if (_firstLine is not null && pathFirst is not null)
        {
            return !string.Equals(_firstLine, pathFirst, StringComparison.Ordinal);
        }

        return _current.Length != pathLength && !(_current.Length > 0 && pathLength > _current.Length);
    }

    private void ReadNew(List<LogEntry> result, bool flushPartial)
    {
        var stream = _current!;
        stream.Seek(_position, SeekOrigin.Begin);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                _partial.Write(buffer, start, i - start);
                Emit(result);
                start = i + 1;
            }

            _partial.Write(buffer, start, read - start);
            _position += read;
        }

        if (flushPartial && _partial.Length > 0)
        {
            Emit(result);
        }
    }

    private void Emit(List<LogEntry> result)
    {
        var line = Encoding.UTF8.GetString(_partial.GetBuffer(), 0, (int)_partial.Length).TrimEnd('\r');
        _partial.SetLength(0);
        if (line.Length > 0)
        {
            result.Add(LogEntry.Parse(line));
        }
    }

    private bool TryOpen(out FileStream stream)
    {
        try
        {
            stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            stream = null!;
            return false;
        }
    }

    private static string? ReadFirstLine(FileStream stream)
    {
        var saved = stream.Position;
        try
        {
            stream.Seek(0, SeekOrigin.Begin);
            var buffer = new byte[4096];
            var read = stream.Read(buffer, 0, buffer.Length);
            var newline = Array.IndexOf(buffer, (byte)'\n', 0, read);
            return newline < 0 ? null : Encoding.UTF8.GetString(buffer, 0, newline);
        }
        finally
        {
            stream.Seek(saved, SeekOrigin.Begin);
        }
    }

    private static long LastNewlineEnd(FileStream stream)
    {
        var end = stream.Length;
        var buffer = new byte[4096];
        var position = end;
        while (position > 0)
        {
            var size = (int)Math.Min(buffer.Length, position);
            position -= size;
            stream.Seek(position, SeekOrigin.Begin);
            stream.ReadExactly(buffer, 0, size);
            var index = Array.LastIndexOf(buffer, (byte)'\n', size - 1, size);
            if (index >= 0)
            {
                return position + index + 1;
            }
        }

        return 0;
    }

    private static List<string> TailLines(string file, int count)
    {
        if (count <= 0)
        {
            return [];
        }

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var end = LastNewlineEnd(stream); // an unterminated last line is not complete yet
        var position = end;
        var chunks = new List<byte[]>();
        var newlines = 0;
        var buffer = new byte[1 << 16];
        while (position > 0 && newlines <= count)
        {
            var size = (int)Math.Min(buffer.Length, position);
            position -= size;
            stream.Seek(position, SeekOrigin.Begin);
            stream.ReadExactly(buffer, 0, size);
            chunks.Insert(0, buffer[..size]);
            newlines += buffer.AsSpan(0, size).Count((byte)'\n');
        }

        var pieces = Encoding.UTF8.GetString(chunks.SelectMany(c => c).ToArray()).Split('\n').ToList();
        pieces.RemoveAt(pieces.Count - 1); // after the final newline
        if (position > 0 && pieces.Count > 0)
        {
            pieces.RemoveAt(0); // a line cut by the chunk boundary
        }

        return pieces.Where(p => p.Length > 0).Select(p => p.TrimEnd('\r')).TakeLast(count).ToList();
    }
}
