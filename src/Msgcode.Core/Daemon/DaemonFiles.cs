using System.Text.Json;
using Msgcode.Core.Config;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Daemon;

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
