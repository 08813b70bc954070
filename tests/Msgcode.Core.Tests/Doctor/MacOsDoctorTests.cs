using System.Runtime.InteropServices;
using Msgcode.Core.Config;
using Msgcode.Core.Doctor;
using Msgcode.Core.Runners;
using Msgcode.Core.Service;

namespace Msgcode.Core.Tests.Doctor;

/// <summary>
/// The doctor's macOS checks (the Messages database, imsg's version) with the paths injected through DoctorContext, against
/// real files: on Linux an unreadable chat.db is a real file with mode 000; on macOS the real ~/Library/Messages/chat.db is tried too.
/// </summary>
public sealed class MacOsDoctorTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    internal static DoctorContext Context(TempDir dir, string? messages = null, string procRoot = "/proc", ICommandRunner? commands = null) => new()
    {
        Home = new MsgcodeHome(dir.File("home")),
        PowerShellVersion = "7.4.0",
        Capabilities = new CapabilityRegistry { Entries = [], Problems = [] },
        Implemented = _ => true,
        MessagesDatabase = messages,
        ProcRoot = procRoot,
        Commands = commands ?? ProcessCommandRunner.Instance,
    };

    [Fact]
    public void A_readable_Messages_database_passes()
    {
        var db = _dir.File("chat.db");
        File.WriteAllBytes(db, [0x53, 0x51, 0x4c]);
        var check = MessagesAccessCheck.Run(Context(_dir, db), channelOn: true);
        Assert.Equal(CheckStatuses.Pass, check.Status);
        Assert.Equal(db, check.Details["path"]);
    }

    [SkippableFact]
    public void An_unreadable_Messages_database_fails_with_the_Full_Disk_Access_hint()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new SkipException("file modes (chmod 000) are Unix; Messages is macOS");
        }

        var db = _dir.File("chat.db");
        File.WriteAllBytes(db, [0x53, 0x51, 0x4c]);
        File.SetUnixFileMode(db, UnixFileMode.None);
        var check = WithoutRootsFileAccess(() => MessagesAccessCheck.Run(Context(_dir, db), channelOn: true));
        Assert.Equal(CheckStatuses.Fail, check.Status);
        Assert.Contains("Full Disk Access", check.Message, StringComparison.Ordinal);
        Assert.Contains("Full Disk Access", check.FixHint, StringComparison.Ordinal);
        Assert.Contains(MessagesAccessCheck.FullDiskAccessPane, check.FixHint, StringComparison.Ordinal);
        Assert.Contains("launchd", check.FixHint, StringComparison.Ordinal);
        Assert.Equal(Environment.ProcessPath, check.Details["process"]);
    }

    [Fact]
    public void A_missing_Messages_database_fails_saying_Messages_is_not_set_up_and_the_channel_being_off_skips()
    {
        var missing = _dir.File("Messages/chat.db");
        var check = MessagesAccessCheck.Run(Context(_dir, missing), channelOn: true);
        Assert.Equal(CheckStatuses.Fail, check.Status);
        Assert.Contains("sign in to iMessage", check.FixHint, StringComparison.Ordinal);
        Assert.Equal(CheckStatuses.Skip, MessagesAccessCheck.Run(Context(_dir, missing), channelOn: false).Status);
    }

    [Fact]
    public void Without_an_injected_path_only_macOS_looks_at_the_real_Messages_database()
    {
        var check = MessagesAccessCheck.Run(Context(_dir), channelOn: true);
        if (!OperatingSystem.IsMacOS())
        {
            Assert.Equal(CheckStatuses.Skip, check.Status);
            return;
        }

        // A CI runner may or may not have Full Disk Access (or Messages set up): any answer must name the real path and say what to do.
        Assert.Equal(Path.Combine(MsgcodeHome.UserHome(), "Library", "Messages", "chat.db"), check.Details["path"]);
        Assert.Contains(check.Status, new[] { CheckStatuses.Pass, CheckStatuses.Fail, CheckStatuses.Warn });
        Assert.True(check.Status == CheckStatuses.Pass || !string.IsNullOrEmpty(check.FixHint));
    }

    [Theory]
    [InlineData("imsg 0.4.0 (msgcode test stand-in)", CheckStatuses.Pass)]
    [InlineData("imsg version 0.5.1", CheckStatuses.Pass)]
    [InlineData("1.0", CheckStatuses.Pass)]
    [InlineData("imsg 0.3.9", CheckStatuses.Warn)]
    [InlineData("imsg (development build)", CheckStatuses.Warn)]
    public void Imsg_older_than_the_rpc_protocol_or_without_a_version_is_a_warning(string answer, string status)
    {
        var check = ChannelChecks.ImsgVersion("/opt/imsg", answer);
        Assert.Equal(status, check.Status);
        Assert.Equal(answer, check.Details["version"]);
        Assert.Equal("0.4.0", check.Details["minimum"]);
        Assert.Equal(status == CheckStatuses.Pass, check.FixHint is null);
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a thread whose file-system user is nobody when this process is root, so a mode-000 file
    /// is refused as it would be for any user (setfsuid is per thread and drops CAP_DAC_OVERRIDE with it); as any other user, plainly.
    /// </summary>
    internal static T WithoutRootsFileAccess<T>(Func<T> action)
    {
        if (!OperatingSystem.IsLinux() || geteuid() != 0)
        {
            return action();
        }

        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            _ = setfsuid(65534);
            try
            {
                result = action();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            finally
            {
                _ = setfsuid(0);
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException("The action failed on the thread without root's file access.", failure);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setfsuid(uint fsuid);

    [DllImport("libc")]
    private static extern uint geteuid();
}
