using System.Runtime.InteropServices;
using Msgcode.Core.Config;
using Msgcode.Core.Platform;
using Msgcode.Core.Worktrees;

namespace Msgcode.Core.Doctor;

public static class EnvironmentInfo
{
    public static MsgcodeVersionInfo Collect(string powerShellVersion, string modulePath, MsgcodeHome? home = null) => new()
    {
        Version = ProductInfo.ProductVersion(),
        PowerShellVersion = powerShellVersion,
        DotNetVersion = Environment.Version.ToString(),
        Platform = RuntimeInformation.RuntimeIdentifier,
        OperatingSystem = RuntimeInformation.OSDescription,
        LibGit2Version = GitInfo.LibraryVersion(),
        Home = (home ?? MsgcodeHome.Resolve()).Path,
        ModulePath = modulePath,
    };
}
