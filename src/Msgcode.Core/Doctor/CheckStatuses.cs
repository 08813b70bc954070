namespace Msgcode.Core.Doctor;

/// <summary>The statuses of a <see cref="DoctorCheck"/>.</summary>
public static class CheckStatuses
{
    public const string Pass = "pass";
    public const string Warn = "warn";
    public const string Fail = "fail";
    public const string Skip = "skip";
}
