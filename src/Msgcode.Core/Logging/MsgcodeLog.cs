using System.Text.Json;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Logging;

public enum LogLevel
{
    Debug = 0,
    Info = 1,
    Warn = 2,
    Error = 3,
}

/// <summary>
/// msgcode's log: one JSON object per line (<c>ts</c>, <c>level</c>, <c>module</c>, <c>msg</c>, then fields),
/// appended through the JSONL primitive and rotated by size. Fields are values the caller chose; text
/// bodies never go in — pass a <see cref="TextDigest"/> instead. Logging never throws: a log that cannot
/// be written must not take the daemon down.
/// </summary>
public sealed class MsgcodeLog
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
                JsonlFile.AppendMany(Path, [line], TimeSpan.FromSeconds(5), bytes => FileRotation.RotateIfNeeded(Path, MaxBytes, MaxFiles, bytes), Fsync);
            }
            catch (MsgcodeException ex)
            {
                LastFailure = ex;
            }
        }
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
