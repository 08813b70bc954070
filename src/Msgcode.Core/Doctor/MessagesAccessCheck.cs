using Msgcode.Core.Config;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>
/// Whether the Messages database can be read: imsg reads ~/Library/Messages/chat.db, which macOS's privacy layer (TCC)
/// lets only programs with Full Disk Access open. The check opens the file for reading, as imsg does; it proves the grant of
/// the process the doctor runs in, which is why its fix names the program the service runs: a launchd job is its own
/// "responsible process" and does not inherit the terminal's grant.
/// </summary>
internal static class MessagesAccessCheck
{
    /// <summary>The System Settings pane where Full Disk Access is granted (opened with <c>open</c>).</summary>
    internal const string FullDiskAccessPane = "x-apple.systempreferences:com.apple.preference.security?Privacy_AllFiles";

    internal static DoctorCheck Run(DoctorContext context, bool channelOn)
    {
        var path = context.MessagesDatabase ?? (OperatingSystem.IsMacOS() ? Path.Combine(MsgcodeHome.UserHome(), "Library", "Messages", "chat.db") : null);
        if (path is null)
        {
            return Check("channel", "messages-db", CheckStatuses.Skip, "The Messages database exists on macOS only.");
        }

        var details = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["path"] = path, ["process"] = System.Environment.ProcessPath ?? "unknown" };
        if (!channelOn)
        {
            return Check("channel", "messages-db", CheckStatuses.Skip, "The iMessage channel is off: imsg.path is not set.", details: details);
        }

        string? denied = null;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _ = stream.ReadByte();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Check("channel", "messages-db", CheckStatuses.Fail, $"The Messages database '{path}' does not exist.",
                "Open Messages and sign in to iMessage on this Mac once; imsg reads the database Messages keeps.", details);
        }
        catch (UnauthorizedAccessException ex)
        {
            denied = ex.Message;
        }
        catch (IOException ex)
        {
            return Check("channel", "messages-db", CheckStatuses.Warn, $"The Messages database '{path}' could not be read: {ex.Message}",
                "Check the file with: ls -l ~/Library/Messages/chat.db", details);
        }

        if (denied is null)
        {
            return Check("channel", "messages-db", CheckStatuses.Pass, "The Messages database can be read by this process.", details: details);
        }

        details["error"] = denied;
        return Check("channel", "messages-db", CheckStatuses.Fail,
            $"The Messages database '{path}' cannot be read: this process ({details["process"]}) has no Full Disk Access, so imsg started by it sees no messages.",
            $"Grant Full Disk Access in System Settings > Privacy & Security > Full Disk Access (open '{FullDiskAccessPane}') to the program that runs msgcode: "
            + "your terminal for a daemon started by hand, and for the service the program named first in ProgramArguments of ~/Library/LaunchAgents/com.msgcode.plist (plutil -p shows it). "
            + "Grants belong to one program path, so grant again after pwsh or dotnet moves, then Restart-MsgcodeDaemon. "
            + "A check that passes in a terminal proves nothing for the service: a launchd job does not inherit the terminal's grant.", details);
    }
}
