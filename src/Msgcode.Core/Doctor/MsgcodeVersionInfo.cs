namespace Msgcode.Core.Doctor;

/// <summary>Versions and places msgcode runs with: the first thing to paste into a bug report.</summary>
public sealed class MsgcodeVersionInfo
{
    public required string Version { get; init; }

    public required string PowerShellVersion { get; init; }

    public required string DotNetVersion { get; init; }

    public required string Platform { get; init; }

    public required string OperatingSystem { get; init; }

    /// <summary>The native libgit2 version (proves the native library loads on this platform).</summary>
    public required string LibGit2Version { get; init; }

    public required string Home { get; init; }

    public required string ModulePath { get; init; }

    public override string ToString() => $"msgcode {Version}";
}
