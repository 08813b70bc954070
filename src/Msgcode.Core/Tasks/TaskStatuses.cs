using Msgcode.Core.Errors;

namespace Msgcode.Core.Tasks;

/// <summary>The task status model: open → running → done | blocked | canceled; blocked → open; reopening done or canceled needs -Force.</summary>
public static class TaskStatuses
{
    public const string Open = "open";
    public const string Running = "running";
    public const string Blocked = "blocked";
    public const string Done = "done";
    public const string Canceled = "canceled";

    public static readonly IReadOnlyList<string> All = [Open, Running, Blocked, Done, Canceled];

    public static bool IsValid(string? status) => status is not null && All.Contains(status);

    /// <summary>Whether Close-MsgcodeTask has something to do: the task is neither done nor canceled yet.</summary>
    public static bool IsClosable(string? status) => status is Open or Running or Blocked;

    /// <summary>Throws <see cref="ErrorIds.TaskTransitionInvalid"/> unless <paramref name="from"/> → <paramref name="to"/> is allowed.</summary>
    public static void RequireTransition(string taskId, string from, string to, bool force)
    {
        if (from == to)
        {
            return;
        }

        var allowed = (from, to) switch
        {
            (Open, Running or Done or Blocked or Canceled) => true,
            (Running, Done or Blocked or Canceled or Open) => true,
            (Blocked, Open or Running or Done or Canceled) => true,
            (Done or Canceled, Open) => force,
            (Done or Canceled, Running) => force,
            _ => false,
        };
        if (!allowed)
        {
            var hint = from is Done or Canceled
                ? $"A {from} task is reopened only on purpose: add -Force."
                : $"Allowed from {from}: {string.Join(", ", All.Where(s => s != from && IsAllowedWithoutForce(from, s)))}.";
            throw new MsgcodeException(ErrorIds.TaskTransitionInvalid, MsgcodeErrorCategory.InvalidOperation, taskId,
                $"Task {taskId} cannot go from {from} to {to}. {hint}");
        }
    }

    private static bool IsAllowedWithoutForce(string from, string to)
    {
        try
        {
            RequireTransition("x", from, to, force: false);
            return true;
        }
        catch (MsgcodeException)
        {
            return false;
        }
    }
}
