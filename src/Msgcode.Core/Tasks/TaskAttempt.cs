namespace Msgcode.Core.Tasks;

/// <summary>
/// One attempt of a task (Invoke-MsgcodeTask -Worktree -Attempts): a task of its own that runs the same prompt in its
/// own worktree, numbered from 1, with the runner that attempt uses.
/// </summary>
public sealed record TaskAttempt(int Number, string TaskId, string Runner)
{
    public override string ToString() => $"{Number}: {TaskId} ({Runner})";
}
