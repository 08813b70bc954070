using Msgcode.Core.Config;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>
/// The doctor's check that the home's files which may hold a secret (<see cref="MsgcodeHome.PrivateFiles"/>: state.json,
/// .env, secrets.json, routes.json) are readable by their owner only. msgcode writes them 0600; a file a person created
/// or loosened by hand is reported with the chmod that fixes it. And that state.json holds no secret value in clear.
/// </summary>
internal static class PrivateFileChecks
{
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                             | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// A secret key whose value is in state.json itself (written by a version before the secret store): it still works,
    /// and setting it again moves it to the vault or the 0600 secrets file.
    /// </summary>
    internal static DoctorCheck InClear(MsgcodeHome home, ConfigReport config)
    {
        var clear = config.Entries.Where(e => e.IsSecret && e.GetLayers().Any(l => l.Layer == nameof(ConfigLayer.State) && l.Path == home.StateFile)).Select(e => e.Name).ToList();
        return clear.Count == 0
            ? Check("home", "secrets-in-clear", CheckStatuses.Pass, "state.json holds no secret value, only references to where they are kept.")
            : Check("home", "secrets-in-clear", CheckStatuses.Warn, $"state.json holds the value of {string.Join(", ", clear)} in clear (written by an older msgcode).",
                string.Join("; ", clear.Select(n => $"Set-MsgcodeConfig {n} -SecureValue (Read-Host -AsSecureString)")) + " moves it to a vault or the 0600 secrets.json.");
    }

    internal static DoctorCheck Run(MsgcodeHome home)
    {
        if (OperatingSystem.IsWindows())
        {
            return Check("home", "file-modes", CheckStatuses.Skip, "File modes are a Unix matter; on Windows the profile folder's ACL keeps the home private.");
        }

        var open = new List<string>();
        foreach (var file in home.PrivateFiles)
        {
            try
            {
                if (File.Exists(file) && (File.GetUnixFileMode(file) & GroupOrOthers) != 0)
                {
                    open.Add(file);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return open.Count == 0
            ? Check("home", "file-modes", CheckStatuses.Pass, "The files that may hold secrets are readable by you only.")
            : Check("home", "file-modes", CheckStatuses.Warn,
                $"{string.Join(", ", open.Select(Path.GetFileName))} may hold secrets and {(open.Count == 1 ? "is" : "are")} readable by other users.",
                "chmod 600 " + string.Join(' ', open.Select(f => $"'{f}'")),
                new() { ["files"] = string.Join(Path.PathSeparator, open) });
    }
}
