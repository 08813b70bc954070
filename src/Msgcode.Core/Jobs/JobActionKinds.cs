namespace Msgcode.Core.Jobs;

public static class JobActionKinds
{
    /// <summary>Create a task from the template, then run it.</summary>
    public const string NewTask = "newTask";

    /// <summary>Run an existing task again.</summary>
    public const string RunTask = "runTask";
}
