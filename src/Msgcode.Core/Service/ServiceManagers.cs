namespace Msgcode.Core.Service;

public static class ServiceManagers
{
    public const string Launchd = "launchd";
    public const string Systemd = "systemd";
    public const string None = "none";

    /// <summary>launchd on macOS, systemd --user on Linux, none elsewhere.</summary>
    public static string ForThisPlatform() => OperatingSystem.IsMacOS() ? Launchd : OperatingSystem.IsLinux() ? Systemd : None;
}
