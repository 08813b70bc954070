using System.Runtime.InteropServices;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Worktrees;
using Msgcode.Core.Runners;
using static Msgcode.Core.Doctor.DoctorCheck;

namespace Msgcode.Core.Doctor;

/// <summary>The doctor's environment category: PowerShell, .NET, the sandbox, libgit2 and git.</summary>
internal static class EnvironmentChecks
{
    internal static IEnumerable<DoctorCheck> Run(DoctorContext context)
    {
        var ps = Version.TryParse(context.PowerShellVersion.Split('-')[0], out var psVersion) ? psVersion : null;
        yield return ps is not null && ps >= new Version(7, 4)
            ? Check("environment", "powershell", CheckStatuses.Pass, $"PowerShell {context.PowerShellVersion}")
            : Check("environment", "powershell", CheckStatuses.Fail, $"PowerShell {context.PowerShellVersion} is older than 7.4, which msgcode needs", "Install PowerShell 7.4 or newer.");
        yield return Check("environment", "dotnet", CheckStatuses.Pass, $".NET {System.Environment.Version.ToString(2)} on {RuntimeInformation.RuntimeIdentifier}");
        var (sandbox, missing) = Sandbox.Find();
        yield return sandbox is not null
            ? Check("environment", "sandbox", CheckStatuses.Pass, $"Runs can be sandboxed (-Sandbox) with {sandbox}.")
            : Check("environment", "sandbox", CheckStatuses.Warn, $"Runs cannot be sandboxed here: {missing}.", OperatingSystem.IsLinux() ? "sudo apt-get install bubblewrap" : null);
        DoctorCheck libgit;
        try
        {
            var version = GitInfo.LibraryVersion();
            libgit = Check("environment", "libgit2", CheckStatuses.Pass, "The native git library loads.", details: new() { ["version"] = version.Split(' ')[0] });
        }
        catch (MsgcodeException ex)
        {
            libgit = Check("environment", "libgit2", CheckStatuses.Fail, ex.Message, "Reinstall the module for this platform (its Dependencies/runtimes folder must hold libgit2).");
        }

        yield return libgit;
        yield return ExecutableLocator.Find("git") is { } git
            ? Check("environment", "git", CheckStatuses.Pass, "git is on PATH.", details: new() { ["path"] = git })
            : Check("environment", "git", CheckStatuses.Warn, "git is not on PATH; msgcode itself does not need it, but people applying patches by hand will.", "Install git.");
    }
}
