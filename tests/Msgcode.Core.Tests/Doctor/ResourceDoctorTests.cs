using Msgcode.Core.Config;
using Msgcode.Core.Doctor;

namespace Msgcode.Core.Tests.Doctor;

/// <summary>
/// The doctor's resource checks: the daemon's memory and open files read from /proc (Linux) or from ps and lsof (macOS's way,
/// run here for real against this process), a /proc folder of real files for the thresholds, and the log folder's size.
/// </summary>
public sealed class ResourceDoctorTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public void Proc_gives_this_process_memory_open_files_and_limit()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "/proc is Linux's");
        var usage = ProcessResources.Read(Environment.ProcessId, "/proc", Service.ProcessCommandRunner.Instance);
        Assert.Equal("/proc", usage.Source);
        Assert.True(usage.RssBytes > 1024 * 1024, $"RSS {usage.RssBytes}");
        Assert.True(usage.OpenFiles >= 3, $"open files {usage.OpenFiles}");
        Assert.True(usage.OpenFilesLimit >= usage.OpenFiles);
    }

    [SkippableFact]
    public void Without_proc_ps_and_lsof_give_this_process_memory_and_open_files_as_on_macOS()
    {
        Skip.If(OperatingSystem.IsWindows(), "ps and lsof are Unix programs");
        Skip.If(Service.ProcessCommandRunner.Instance.Run("lsof", "-v").ExitCode == Service.CommandResult.NotFound, "lsof is not installed (Debian: apt-get install lsof)");
        var noProc = _dir.File("no-proc");
        var usage = ProcessResources.Read(Environment.ProcessId, noProc, Service.ProcessCommandRunner.Instance);
        Assert.Equal("ps+lsof", usage.Source);
        Assert.True(usage.RssBytes > 1024 * 1024, $"RSS {usage.RssBytes}");
        Assert.True(usage.OpenFiles >= 3, $"open files {usage.OpenFiles}");
        Assert.Null(usage.OpenFilesLimit);

        var checks = DaemonChecks.Resources(MacOsDoctorTests.Context(_dir, procRoot: noProc), Environment.ProcessId).ToList();
        Assert.Equal(["memory", "open-files"], checks.Select(c => c.Name));
        Assert.All(checks, c => Assert.Equal("ps+lsof", c.Details["source"]));
        Assert.Contains("assumed", checks[1].Details["limit"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_daemon_near_its_descriptor_limit_or_holding_too_much_memory_is_a_warning_with_a_fix()
    {
        var proc = FakeProc(pid: 4242, rssKib: 2L * 1024 * 1024, descriptors: 9, softLimit: 10);
        var checks = DaemonChecks.Resources(MacOsDoctorTests.Context(_dir, procRoot: proc), 4242).ToDictionary(c => c.Name);
        Assert.Equal(CheckStatuses.Warn, checks["memory"].Status);
        Assert.Equal((2L * 1024 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), checks["memory"].Details["rssBytes"]);
        Assert.Contains("Restart-MsgcodeDaemon", checks["memory"].FixHint, StringComparison.Ordinal);
        Assert.Equal(CheckStatuses.Warn, checks["open-files"].Status);
        Assert.Equal("9", checks["open-files"].Details["openFiles"]);
        Assert.Contains("LimitNOFILE", checks["open-files"].FixHint, StringComparison.Ordinal);
        Assert.Contains("NumberOfFiles", checks["open-files"].FixHint, StringComparison.Ordinal);

        var calm = FakeProc(pid: 4243, rssKib: 80 * 1024, descriptors: 12, softLimit: 1024);
        var fine = DaemonChecks.Resources(MacOsDoctorTests.Context(_dir, procRoot: calm), 4243).ToList();
        Assert.All(fine, c => Assert.Equal(CheckStatuses.Pass, c.Status));
        Assert.All(fine, c => Assert.Null(c.FixHint));
    }

    [Fact]
    public void No_daemon_skips_the_resource_checks()
    {
        Assert.All(DaemonChecks.Resources(MacOsDoctorTests.Context(_dir), null), c => Assert.Equal(CheckStatuses.Skip, c.Status));
    }

    [Fact]
    public void A_log_folder_larger_than_rotation_keeps_is_a_warning_naming_its_largest_file()
    {
        var home = new MsgcodeHome(_dir.File("home"));
        Assert.Equal(CheckStatuses.Pass, DiskChecks.LogSize(home, 10L * 1024 * 1024, 3).Status);
        Directory.CreateDirectory(home.LogDirectory);
        File.WriteAllText(home.LogFile, "{}\n");
        Assert.Equal(CheckStatuses.Pass, DiskChecks.LogSize(home, 10L * 1024 * 1024, 3).Status);

        // launchd's captured output grows outside rotation: a sparse file, real to every size query, costs no disk.
        var captured = Path.Combine(home.LogDirectory, "service.err.log");
        using (var stream = new FileStream(captured, FileMode.Create))
        {
            stream.SetLength(200L * 1024 * 1024);
        }

        var check = DiskChecks.LogSize(home, 10L * 1024 * 1024, 3);
        Assert.Equal(CheckStatuses.Warn, check.Status);
        Assert.Equal(captured, check.Details["largest"]);
        Assert.Contains(captured, check.FixHint, StringComparison.Ordinal);
        Assert.Contains("log.maxBytes", check.FixHint, StringComparison.Ordinal);
        Assert.Equal(CheckStatuses.Pass, DiskChecks.LogSize(home, 100L * 1024 * 1024, 3).Status);
    }

    [Fact]
    public void Free_space_is_checked_where_the_home_and_where_the_workspaces_are()
    {
        var context = MacOsDoctorTests.Context(_dir);
        var config = ConfigResolver.Resolve(new ConfigSources(context.Home, null, new Dictionary<string, string> { ["MSGCODE_WORKSPACE_ROOT"] = "/dev/shm/msgcode-workspaces-" + Guid.NewGuid().ToString("N") }));
        var checks = DiskChecks.Run(context, config).ToDictionary(c => c.Name);
        Assert.Contains("free", checks.Keys);
        Assert.Contains("log-size", checks.Keys);
        if (OperatingSystem.IsLinux() && Directory.Exists("/dev/shm") && new DriveInfo("/dev/shm").Name != new DriveInfo(Path.GetTempPath()).Name)
        {
            Assert.Equal("/dev/shm", checks["free-workspaces"].Details["mount"]);
        }
    }

    /// <summary>A /proc folder for <paramref name="pid"/> in the kernel's formats: status with VmRSS, an fd folder, limits.</summary>
    private string FakeProc(int pid, long rssKib, int descriptors, int softLimit)
    {
        var root = _dir.File("proc-" + pid);
        var folder = Path.Combine(root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path.Combine(folder, "fd"));
        File.WriteAllText(Path.Combine(folder, "status"), $"Name:\tpwsh\nVmPeak:\t 9999999 kB\nVmRSS:\t {rssKib} kB\nThreads:\t20\n");
        File.WriteAllText(Path.Combine(folder, "limits"),
            "Limit                     Soft Limit           Hard Limit           Units     \n"
            + $"Max open files            {softLimit}                 1048576              files     \n");
        for (var i = 0; i < descriptors; i++)
        {
            File.WriteAllText(Path.Combine(folder, "fd", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), string.Empty);
        }

        return root;
    }
}
