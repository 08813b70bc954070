namespace Msgcode.Core.Service;

/// <summary>How an installed unit file or plist relates to what msgcode writes (<see cref="UnitFileStamp"/>).</summary>
public enum UnitFileOrigin
{
    /// <summary>Stamped, and the stamp matches: written by Install-MsgcodeService.</summary>
    Written,

    /// <summary>Written by a version before stamps (recognised by its own marks).</summary>
    OlderVersion,

    /// <summary>Stamp missing or wrong: someone changed it.</summary>
    EditedByHand,
}
