namespace Msgcode.Core.Errors;

/// <summary>
/// The one exception type Core throws for failures a user can meet. It carries a stable ErrorId from
/// <see cref="ErrorIds"/>, a category, and the offending path or id as target.
/// </summary>
public class MsgcodeException : Exception
{
    public MsgcodeException(string errorId, MsgcodeErrorCategory category, object? target, string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    public string ErrorId { get; }

    public MsgcodeErrorCategory Category { get; }

    public object? Target { get; }

    /// <summary>A non-throwing view of the same failure, for APIs that report and carry on.</summary>
    public MsgcodeProblem ToProblem() => new(ErrorId, Category, Target?.ToString(), Message, null);
}
