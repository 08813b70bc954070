using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Tests.Daemon;

/// <summary>Where the control socket goes: always a folder of this user's alone, never a name another user can predict.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // each test skips there: Windows uses a named pipe
public class ControlEndpointTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private static DaemonFiles LongHome(TempDir dir)
    {
        var home = Path.Combine(dir.Path, "a-home-whose-path-is-too-long-for-the-address-of-a-unix-domain-socket-" + new string('h', 40));
        Directory.CreateDirectory(home);
        return new DaemonFiles(new MsgcodeHome(home));
    }

    private static Func<string, string?> Environment(string tmpdir, string? runtime = null)
        => name => name switch { "TMPDIR" => tmpdir, "XDG_RUNTIME_DIR" => runtime, _ => null };

    private static string NewFolder(TempDir dir, string name, UnixFileMode mode)
    {
        var path = dir.File(name);
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [SkippableFact]
    public void A_short_home_keeps_its_socket_in_its_own_run_folder()
    {
        Skip.If(OperatingSystem.IsWindows(), "a named pipe on Windows");
        using var dir = new TempDir();
        var files = new DaemonFiles(new MsgcodeHome(dir.File("home")));
        Directory.CreateDirectory(files.Home.Path);

        var endpoint = ControlEndpoint.Prepare(files, Environment(dir.Path));

        Assert.Equal(Path.Combine(files.RunDirectory, "daemon.sock"), endpoint.Path);
        Assert.Null(endpoint.TempFolder);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(files.RunDirectory));
    }

    [SkippableFact]
    public void A_long_home_gets_a_fresh_mkdtemp_folder_that_Release_removes()
    {
        Skip.If(OperatingSystem.IsWindows(), "a named pipe on Windows");
        using var dir = new TempDir();
        var files = LongHome(dir);
        var tmpdir = NewFolder(dir, "t", OwnerOnly);

        var first = ControlEndpoint.Prepare(files, Environment(tmpdir));
        var folder = Path.GetDirectoryName(first.Path)!;
        Assert.Equal(folder, first.TempFolder);
        Assert.Equal(tmpdir, Path.GetDirectoryName(folder));
        Assert.Matches($"^msgcode-{ControlEndpoint.HomeHash(files.Home.Path)}-[A-Za-z0-9]{{6}}$", Path.GetFileName(folder));
        Assert.Equal("daemon.sock", Path.GetFileName(first.Path));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(folder));
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(first.Path) < ControlEndpoint.MaxSocketPathBytes);

        first.Release();
        Assert.False(Directory.Exists(folder));
    }

    [SkippableFact]
    public void The_next_daemon_removes_the_folders_an_earlier_one_of_the_same_home_left()
    {
        Skip.If(OperatingSystem.IsWindows(), "a named pipe on Windows");
        using var dir = new TempDir();
        var files = LongHome(dir);
        var tmpdir = NewFolder(dir, "t", OwnerOnly);
        var killed = ControlEndpoint.Prepare(files, Environment(tmpdir)); // never released: as if SIGKILLed
        File.WriteAllText(killed.Path, string.Empty);
        var unrelated = NewFolder(dir, "t/msgcode-000000000000-abcdef", OwnerOnly);   // another home's
        var lookalike = NewFolder(dir, $"t/msgcode-{ControlEndpoint.HomeHash(files.Home.Path)}-not-mkdtemp", OwnerOnly);

        var next = ControlEndpoint.Prepare(files, Environment(tmpdir));

        Assert.False(Directory.Exists(killed.TempFolder));
        Assert.True(Directory.Exists(next.TempFolder));
        Assert.True(Directory.Exists(unrelated));
        Assert.True(Directory.Exists(lookalike));
    }

    [SkippableFact]
    public void A_private_XDG_RUNTIME_DIR_holds_the_socket_in_a_msgcode_folder()
    {
        Skip.If(OperatingSystem.IsWindows(), "a named pipe on Windows");
        using var dir = new TempDir();
        var files = LongHome(dir);
        var runtime = NewFolder(dir, "xdg", OwnerOnly);

        var endpoint = ControlEndpoint.Prepare(files, Environment(dir.Path, runtime));

        Assert.Equal(Path.Combine(runtime, "msgcode", $"daemon-{ControlEndpoint.HomeHash(files.Home.Path)}.sock"), endpoint.Path);
        Assert.Null(endpoint.TempFolder);
        Assert.Null(endpoint.Note);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(runtime, "msgcode")));
    }

    [SkippableTheory]
    [InlineData(OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute, "others may write")]
    [InlineData(OwnerOnly | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.StickyBit, "others may write")]
    public void An_XDG_RUNTIME_DIR_others_may_write_to_is_passed_over(UnixFileMode mode, string why)
    {
        Skip.If(OperatingSystem.IsWindows(), "a named pipe on Windows");
        using var dir = new TempDir();
        var files = LongHome(dir);
        var runtime = NewFolder(dir, "xdg", mode);
        var tmpdir = NewFolder(dir, "t", OwnerOnly);

        var endpoint = ControlEndpoint.Prepare(files, Environment(tmpdir, runtime));

        Assert.Equal(tmpdir, Path.GetDirectoryName(endpoint.TempFolder));
        Assert.Contains(why, endpoint.Note, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(runtime, "msgcode")));
    }

    [SkippableFact]
    public void A_socket_folder_that_is_not_mode_700_is_refused_and_left_alone()
    {
        Skip.If(OperatingSystem.IsWindows(), "a named pipe on Windows");
        using var dir = new TempDir();
        var files = LongHome(dir);
        var runtime = NewFolder(dir, "xdg", OwnerOnly);
        var folder = NewFolder(dir, "xdg/msgcode", OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var ex = Assert.Throws<MsgcodeException>(() => ControlEndpoint.Prepare(files, Environment(dir.Path, runtime)));

        Assert.Equal(ErrorIds.DaemonEndpointNotPrivate, ex.ErrorId);
        Assert.Equal(folder, ex.Target);
        Assert.Contains("chmod 700", ex.Message, StringComparison.Ordinal);
        Assert.Equal(OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(folder));
    }

    [SkippableFact]
    public void A_socket_folder_that_is_a_symbolic_link_is_refused()
    {
        Skip.If(OperatingSystem.IsWindows(), "a named pipe on Windows");
        using var dir = new TempDir();
        var files = LongHome(dir);
        var runtime = NewFolder(dir, "xdg", OwnerOnly);
        var elsewhere = NewFolder(dir, "elsewhere", OwnerOnly);
        Directory.CreateSymbolicLink(Path.Combine(runtime, "msgcode"), elsewhere);

        var ex = Assert.Throws<MsgcodeException>(() => ControlEndpoint.Prepare(files, Environment(dir.Path, runtime)));

        Assert.Equal(ErrorIds.DaemonEndpointNotPrivate, ex.ErrorId);
        Assert.Contains("symbolic link", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_TMPDIR_too_long_for_a_socket_address_gives_way_to_tmp()
    {
        Skip.If(OperatingSystem.IsWindows(), "a named pipe on Windows");
        using var dir = new TempDir();
        var files = LongHome(dir);
        var tmpdir = NewFolder(dir, new string('t', 90), OwnerOnly);

        var endpoint = ControlEndpoint.Prepare(files, Environment(tmpdir));
        try
        {
            Assert.Equal("/tmp", Path.GetDirectoryName(endpoint.TempFolder));
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(endpoint.TempFolder!));
        }
        finally
        {
            endpoint.Release();
        }
    }
}
