using Msgcode.Core.Config;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>The doctor's home category: the home and its log folder can be written (the daemon's preflight, <see cref="HomeAccess"/>), the files that may hold secrets are private, and the workspace root can be written.</summary>
internal static class HomeChecks
{
    internal static IEnumerable<DoctorCheck> Run(DoctorContext context, ConfigReport config)
    {
        foreach (var access in HomeAccess.Check(context.Home))
        {
            yield return Check("home", access.Name, access.Passed ? CheckStatuses.Pass : CheckStatuses.Fail, access.Message, access.FixHint, new() { ["path"] = access.Path });
        }

        yield return PrivateFileChecks.Run(context.Home);
        yield return PrivateFileChecks.InClear(context.Home, config);

        var root = MsgcodeHome.ExpandHome(config.GetString("workspace.root") ?? "~/msgcode-workspaces");
        var writable = Directory.Exists(root) && HomeAccess.CanWrite(root);
        yield return Directory.Exists(root)
            ? Check("home", "workspace-root", writable ? CheckStatuses.Pass : CheckStatuses.Fail,
                writable ? "The workspace root exists and is writable." : $"The workspace root '{root}' is not writable.",
                writable ? null : $"chmod u+rwx '{root}', or: Set-MsgcodeConfig workspace.root <folder>", new() { ["path"] = root })
            : Check("home", "workspace-root", CheckStatuses.Warn, $"The workspace root '{root}' does not exist; chat workspaces are created under it.",
                $"mkdir -p '{root}', or: Set-MsgcodeConfig workspace.root <folder>", new() { ["path"] = root });
    }
}
