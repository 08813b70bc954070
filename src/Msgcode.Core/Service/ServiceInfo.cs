namespace Msgcode.Core.Service;

/// <summary>What Get-MsgcodeService shows.</summary>
public sealed class ServiceInfo
{
    public required string Manager { get; init; }

    public string? UnitPath { get; init; }

    public bool Installed { get; init; }

    /// <summary>The installed file is what Install-MsgcodeService would write now.</summary>
    public bool? UpToDate { get; init; }

    /// <summary>The manager's word: active/inactive/failed (systemd), running/not loaded (launchd).</summary>
    public string? State { get; init; }

    public bool? Enabled { get; init; }

    /// <summary>systemd: whether the user's services outlive their sessions (loginctl enable-linger).</summary>
    public bool? Linger { get; init; }

    public string[] Warnings { get; init; } = [];
}
