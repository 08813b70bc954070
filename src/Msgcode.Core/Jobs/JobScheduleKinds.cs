namespace Msgcode.Core.Jobs;

public static class JobScheduleKinds
{
    public const string Cron = "cron";
    public const string Every = "every";
    public const string At = "at";
}
