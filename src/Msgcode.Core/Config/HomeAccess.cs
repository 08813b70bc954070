using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Config;

/// <summary>
/// Whether msgcode can write where it keeps its files: the daemon's preflight, and the doctor's home checks.
/// Writing is proven by writing: a probe file is written and deleted.
/// </summary>
public static class HomeAccess
{
    /// <summary>The home is writable (or can be created) and so is its log folder. The daemon needs both before it starts.</summary>
    public static IReadOnlyList<HomeAccessCheck> Check(MsgcodeHome home)
    {
        HomeAccessCheck homeCheck;
        if (!Directory.Exists(home.Path))
        {
            var creatable = WritableParent(home.Path);
            homeCheck = new HomeAccessCheck("home-writable", creatable,
                creatable ? "The msgcode home does not exist yet; it is created on the first write." : $"The msgcode home '{home.Path}' cannot be created.",
                creatable ? null : $"Create it (mkdir -p '{home.Path}'), or point MSGCODE_HOME at a writable folder.", home.Path);
        }
        else
        {
            var writable = CanWrite(home.Path);
            homeCheck = new HomeAccessCheck("home-writable", writable,
                writable ? "The msgcode home is writable." : $"The msgcode home '{home.Path}' is not writable.",
                writable ? null : $"Give yourself write access (chmod u+rwx '{home.Path}'), or point MSGCODE_HOME elsewhere.", home.Path);
        }

        var logDir = home.LogDirectory;
        var logOk = Directory.Exists(logDir) ? CanWrite(logDir) : WritableParent(logDir) || !Directory.Exists(home.Path);
        var logCheck = new HomeAccessCheck("log-writable", logOk,
            logOk ? "The daemon's log folder can be written." : $"The log folder '{logDir}' is not writable.",
            logOk ? null : $"chmod u+rwx '{logDir}'", logDir);
        return [homeCheck, logCheck];
    }

    /// <summary>Whether a file can be created in the existing <paramref name="folder"/>.</summary>
    public static bool CanWrite(string folder)
    {
        var probe = Path.Combine(folder, ".msgcode-doctor-" + System.Environment.ProcessId);
        try
        {
            AtomicFile.WriteAllText(probe, string.Empty, new AtomicWriteOptions { CreateDirectory = false });
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is MsgcodeException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether the missing folder <paramref name="path"/> could be created: its nearest existing ancestor is a writable folder.</summary>
    private static bool WritableParent(string path)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        while (parent is not null && !Directory.Exists(parent))
        {
            if (File.Exists(parent))
            {
                return false; // a file stands where a folder would have to be created
            }

            parent = Path.GetDirectoryName(parent);
        }

        return parent is not null && CanWrite(parent);
    }
}
