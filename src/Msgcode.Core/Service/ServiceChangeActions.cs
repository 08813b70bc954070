namespace Msgcode.Core.Service;

/// <summary>What installing or uninstalling the service did (<see cref="ServiceChange.Action"/>).</summary>
public static class ServiceChangeActions
{
    public const string Installed = "installed";
    public const string Updated = "updated";
    public const string Unchanged = "unchanged";
    public const string Removed = "removed";

    /// <summary>Uninstall found no unit file.</summary>
    public const string Absent = "absent";
}
