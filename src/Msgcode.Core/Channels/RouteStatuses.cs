namespace Msgcode.Core.Channels;

/// <summary>The states of a chat route.</summary>
public static class RouteStatuses
{
    public const string Active = "active";
    public const string Paused = "paused";
    public const string Archived = "archived";

    public static IReadOnlyList<string> All { get; } = [Active, Paused, Archived];
}
