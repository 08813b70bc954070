using Msgcode.Core.Config;
using Msgcode.Core.Runners;

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
}
