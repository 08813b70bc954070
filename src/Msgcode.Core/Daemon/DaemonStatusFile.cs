using System.Text.Json;
using System.Text.Json.Serialization;
using Msgcode.Core.Config;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Daemon;

/// <summary>How the daemon was started.</summary>
public static class DaemonModes
{
    public const string Foreground = "foreground";
    public const string Detached = "detached";
    public const string Launchd = "launchd";
    public const string Systemd = "systemd";

    public static readonly IReadOnlyList<string> All = [Foreground, Detached, Launchd, Systemd];
}

/// <summary>The contents of <c>&lt;home&gt;/daemon.json</c>, written atomically by the live daemon.</summary>
public sealed class DaemonStatusRecord
{
    [JsonPropertyName("pid")]
    public int Pid { get; set; }

    [JsonPropertyName("startTimeUtc")]
    public DateTime? StartTimeUtc { get; set; }

    /// <summary>Linux: field 22 of /proc/pid/stat, an exact identity against PID reuse.</summary>
    [JsonPropertyName("startTicks")]
    public long? StartTicks { get; set; }

    [JsonPropertyName("instanceId")]
    public string InstanceId { get; set; } = string.Empty;

    [JsonPropertyName("state")]
    public string State { get; set; } = "starting";

    [JsonPropertyName("version")]
    public string Version { get; set; } = string.Empty;

    [JsonPropertyName("mode")]
    public string Mode { get; set; } = DaemonModes.Foreground;

    [JsonPropertyName("home")]
    public string Home { get; set; } = string.Empty;

    [JsonPropertyName("logPath")]
    public string LogPath { get; set; } = string.Empty;

    /// <summary>The control endpoint the daemon chose (see <see cref="ControlEndpoint"/>): clients connect to what this says.</summary>
    [JsonPropertyName("endpoint")]
    public string Endpoint { get; set; } = string.Empty;

    [JsonPropertyName("updatedAtMs")]
    public long UpdatedAtMs { get; set; }
}

/// <summary>The daemon's files in the home: pidfile, status file, lock, control socket folder, crash capture.</summary>
public sealed class DaemonFiles
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public DaemonFiles(MsgcodeHome home)
    {
        Home = home;
    }

    public MsgcodeHome Home { get; }

    public string PidFile => Home.PidFile;

    public string StatusFile => Home.DaemonStatusFile;

    public string LockFile => Home.DaemonLockFile;

    /// <summary>Serializes starters, so ten concurrent starts spawn one daemon.</summary>
    public string StartLockFile => Path.Combine(Home.Path, "daemon.start.lock");

    /// <summary>The owner-only folder of the control socket, when the home's path is short enough for a socket address (see <see cref="ControlEndpoint"/>).</summary>
    public string RunDirectory => Path.Combine(Home.Path, "run");

    /// <summary>Where a detached or supervised daemon's stdout/stderr go (crashes before the log is open).</summary>
    public string StdioFile => Path.Combine(Home.LogDirectory, "daemon.stdio.log");

    public DaemonStatusRecord? ReadStatus()
    {
        try
        {
            var text = File.ReadAllText(StatusFile);
            return JsonSerializer.Deserialize<DaemonStatusRecord>(text, Options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    public void WriteStatus(DaemonStatusRecord record)
    {
        record.UpdatedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        AtomicFile.WriteAllText(StatusFile, JsonSerializer.Serialize(record, Options) + "\n");
    }

    public int? ReadPid()
    {
        try
        {
            return int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void WritePid(int pid) => AtomicFile.WriteAllText(PidFile, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");

    /// <summary>
    /// Whether some process holds the daemon lock. Probing takes the lock for an instant, so a daemon
    /// that starts in that instant retries its own acquisition briefly.
    /// </summary>
    public bool IsLockHeld()
    {
        try
        {
            using var probe = new FileStream(LockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>Removes the status and pid files, only when they describe <paramref name="instanceId"/> (or anyone, when null and no daemon holds the lock).</summary>
    public void RemoveStatus(string? instanceId)
    {
        var current = ReadStatus();
        if (instanceId is not null && current is not null && current.InstanceId != instanceId)
        {
            return; // another daemon's files: never remove what we do not own
        }

        TryDelete(StatusFile);
        TryDelete(PidFile);
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
