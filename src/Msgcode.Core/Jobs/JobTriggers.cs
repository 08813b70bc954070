namespace Msgcode.Core.Jobs;

public static class JobTriggers
{
    public const string Schedule = "schedule";
    public const string CatchUp = "catch-up";
    public const string Manual = "manual";
}
