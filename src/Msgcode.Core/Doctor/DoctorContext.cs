using Msgcode.Core.Config;
using Msgcode.Core.Runners;
using Msgcode.Core.Service;

namespace Msgcode.Core.Doctor;

/// <summary>What the doctor looks at.</summary>
public sealed class DoctorContext
{
    public required MsgcodeHome Home { get; init; }

    public required string PowerShellVersion { get; init; }

    public required CapabilityRegistry Capabilities { get; init; }

    public required Func<RunnerEntry, bool> Implemented { get; init; }

    /// <summary>Workspaces whose tasks folder is checked.</summary>
    public IReadOnlyList<string> Workspaces { get; init; } = [];

    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>
    /// The Messages database the channel checks try to read. Null: ~/Library/Messages/chat.db on macOS, and no check elsewhere.
    /// Set by tests, so the macOS logic runs against real files (an unreadable one) on any Unix.
    /// </summary>
    public string? MessagesDatabase { get; init; }

    /// <summary>Where Linux's per-process files are (/proc). When the daemon has no folder there (macOS), ps and lsof are asked instead.</summary>
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>Runs ps and lsof for the resource checks where there is no /proc.</summary>
    public ICommandRunner Commands { get; init; } = ProcessCommandRunner.Instance;
}
