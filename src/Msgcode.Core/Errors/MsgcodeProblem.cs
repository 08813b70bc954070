namespace Msgcode.Core.Errors;

/// <summary>A failure that was reported rather than thrown: listing goes on, the problem is handed back.</summary>
public sealed record MsgcodeProblem(string ErrorId, MsgcodeErrorCategory Category, string? Target, string Message, int? Line)
{
    public override string ToString() => Line is int l ? $"{Target}:{l}: {Message}" : Target is null ? Message : $"{Target}: {Message}";

    public MsgcodeException ToException() => new(ErrorId, Category, Target, Message);
}
