using System.Text.Json;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Logging;

/// <summary>
/// msgcode's log: one JSON object per line (<c>ts</c>, <c>level</c>, <c>module</c>, <c>msg</c>, then fields),
/// appended through the JSONL primitive (or, with <see cref="KeepOpen"/>, to a file held open between lines) and
/// rotated by size. Fields are values the caller chose; text
/// bodies never go in — pass a <see cref="TextDigest"/> instead. Logging never throws: a log that cannot
/// be written must not take the daemon down.
/// </summary>
public sealed class MsgcodeLog : IDisposable
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    private readonly object _gate = new();

    public MsgcodeLog(string path, LogLevel minimum = LogLevel.Info, long maxBytes = 10 * 1024 * 1024, int maxFiles = 3, TimeProvider? clock = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        Minimum = minimum;
        MaxBytes = maxBytes;
        MaxFiles = maxFiles;
        Clock = clock ?? TimeProvider.System;
    }

    public string Path { get; }

    public LogLevel Minimum { get; set; }

    public long MaxBytes { get; set; }

    public int MaxFiles { get; set; }

    /// <summary>fsync each line (the default). The daemon turns it off: its log lines are diagnostics, and its records have their own fsyncs.</summary>
    public bool Fsync { get; init; } = true;

    public TimeProvider Clock { get; }

    /// <summary>Problems met while writing (the log itself cannot report them); the last few are kept.</summary>
    public MsgcodeException? LastFailure { get; private set; }

    public static LogLevel ParseLevel(string? text) => text?.ToLowerInvariant() switch
    {
        "debug" => LogLevel.Debug,
        "warn" or "warning" => LogLevel.Warn,
        "error" => LogLevel.Error,
        _ => LogLevel.Info,
    };

    public void Debug(string module, string message, object? fields = null) => Write(LogLevel.Debug, module, message, fields);

    public void Info(string module, string message, object? fields = null) => Write(LogLevel.Info, module, message, fields);

    public void Warn(string module, string message, object? fields = null) => Write(LogLevel.Warn, module, message, fields);

    public void Error(string module, string message, object? fields = null) => Write(LogLevel.Error, module, message, fields);

    public void Write(LogLevel level, string module, string message, object? fields = null)
    {
        if (level < Minimum)
        {
            return;
        }

        var line = Format(level, module, message, fields);
        lock (_gate)
        {
            try
            {
                if (KeepOpen && !_disposed)
                {
                    AppendKept(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
                }
                else
                {
                    JsonlFile.AppendMany(Path, [line], TimeSpan.FromSeconds(5), bytes => FileRotation.RotateIfNeeded(Path, MaxBytes, MaxFiles, bytes), Fsync);
                }
            }
            catch (MsgcodeException ex)
            {
                LastFailure = ex;
                CloseKept();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LastFailure = new MsgcodeException(ErrorIds.FileWriteFailed, MsgcodeErrorCategory.WriteError, Path, $"Could not write '{Path}': {ex.Message}", ex);
                CloseKept();
            }
        }
    }

    /// <summary>
    /// Keep the log file open between lines (the daemon: the log's only writer). Each line then costs a stat and a
    /// write instead of opening the file and its lock: the file is opened again when the line would pass
    /// <see cref="MaxBytes"/> (rotation, under the file's lock as always), and when the file under the log's name is
    /// no longer the one held open or has another length (rotated, truncated or written by someone else).
    /// </summary>
    public bool KeepOpen { get; init; }

    private FileStream? _kept;
    private ulong _keptInode;
    private long _keptLength;

    /// <summary>Lets go of a kept file (SIGHUP: an outside rotation); the next line opens the log by name again.</summary>
    public void Reopen()
    {
        lock (_gate)
        {
            CloseKept();
        }
    }

    private void AppendKept(byte[] bytes)
    {
        if (_kept is not null && (!StillKept() || _keptLength + bytes.Length > MaxBytes))
        {
            CloseKept();
        }

        if (_kept is null)
        {
            using (FileLock.For(Path, TimeSpan.FromSeconds(5)))
            {
                FileRotation.RotateIfNeeded(Path, MaxBytes, MaxFiles, bytes.Length);
                _kept = JsonlFile.OpenForAppend(Path); // a torn last line (a crash mid-write) is ended there
                _keptLength = _kept.Length;
                _keptInode = NativeFs.TryStat(Path, out var facts) ? facts.Identity.Inode : 0;
            }
        }

        _kept.Write(bytes);
        _kept.Flush(flushToDisk: Fsync);
        _keptLength += bytes.Length;
    }

    /// <summary>Whether the file under the log's name is still the one held open, at the length this log left it.</summary>
    private bool StillKept()
    {
        if (NativeFs.TryStat(Path, out var facts))
        {
            return facts.Identity.Inode == _keptInode && facts.Length == _keptLength;
        }

        var info = new FileInfo(Path);
        return info.Exists && info.Length == _keptLength;
    }

    private bool _disposed;

    /// <summary>Closes a kept file (see <see cref="KeepOpen"/>); lines written after this open and close the file each time.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            CloseKept();
        }
    }

    private void CloseKept()
    {
        _kept?.Dispose();
        _kept = null;
    }

    public string Format(LogLevel level, string module, string message, object? fields)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("ts", Clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("level", level.ToString().ToLowerInvariant());
            writer.WriteString("module", module);
            writer.WriteString("msg", message);
            if (fields is not null)
            {
                using var document = JsonSerializer.SerializeToDocument(fields, fields.GetType(), Options);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in document.RootElement.EnumerateObject())
                    {
                        if (property.Name is "ts" or "level" or "module" or "msg")
                        {
                            continue;
                        }

                        property.WriteTo(writer);
                    }
                }
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
