using System.Net.Sockets;
using Msgcode.Core.Platform;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Tests.Platform;

/// <summary>Who owns a path, as the check for a private socket folder reads it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // each test skips there
public class NativeFsOwnershipTests
{
    [SkippableFact]
    public void Reports_kind_owner_and_mode_without_following_a_final_link()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix only");
        using var dir = new TempDir();
        var folder = dir.File("private");
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var link = dir.File("link");
        File.CreateSymbolicLink(link, folder);
        var socketPath = dir.File("s.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));

        Assert.True(NativeFs.TryGetOwnership(folder, out var facts));
        Assert.Equal(new NativeFs.Ownership(NativeFs.EntryKind.Directory, NativeFs.EffectiveUserId(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute), facts);
        Assert.True(NativeFs.TryGetOwnership(link, out facts));
        Assert.Equal(NativeFs.EntryKind.SymbolicLink, facts.Kind);
        Assert.True(NativeFs.TryGetOwnership(Path.Combine(link, "."), out facts));
        Assert.Equal(NativeFs.EntryKind.Directory, facts.Kind);
        Assert.True(NativeFs.TryGetOwnership(socketPath, out facts));
        Assert.Equal(NativeFs.EntryKind.Socket, facts.Kind);
        Assert.False(NativeFs.TryGetOwnership(dir.File("missing"), out _));
    }

    [SkippableFact]
    public void The_runtime_fallback_reads_the_same_as_the_C_library()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix only");
        using var dir = new TempDir();
        var link = dir.File("link");
        File.CreateSymbolicLink(link, "/nonexistent");
        foreach (var path in new[] { dir.Path, link, "/tmp", "/" })
        {
            Assert.True(NativeFs.TryGetOwnership(path, out var expected));
            Assert.True(NativeFs.TryGetOwnershipFromRuntime(path, out var actual));
            Assert.Equal(expected, actual);
        }

        Assert.False(NativeFs.TryGetOwnershipFromRuntime(dir.File("missing"), out _));
    }

    [SkippableFact]
    public void Mkdtemp_makes_a_fresh_owner_only_folder_each_time()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix only");
        using var dir = new TempDir();
        var first = NativeFs.MakeUniqueDirectory(dir.Path, "p-");
        var second = NativeFs.MakeUniqueDirectory(dir.Path, "p-");
        Assert.NotEqual(first, second);
        Assert.Matches("^p-[A-Za-z0-9]{6}$", Path.GetFileName(first));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(first));
        Assert.Throws<IOException>(() => NativeFs.MakeUniqueDirectory(dir.File("missing"), "p-"));
    }
}
