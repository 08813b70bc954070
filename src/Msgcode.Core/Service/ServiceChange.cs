namespace Msgcode.Core.Service;

/// <summary>The outcome of an install or uninstall.</summary>
public sealed class ServiceChange
{
    public required string Manager { get; init; }

    public required string UnitPath { get; init; }

    /// <summary>One of <see cref="ServiceChangeActions"/>.</summary>
    public required string Action { get; init; }

    public string[] Warnings { get; init; } = [];

    public string[] Commands { get; init; } = [];
}
