using System.Diagnostics;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Tests.Platform;

public class ProcessControlTests
{
    [Fact]
    public void Identity_matches_the_live_process_and_rejects_a_different_start()
    {
        var pid = Environment.ProcessId;
        var start = ProcessControl.GetStartTimeUtc(pid);
        var ticks = ProcessControl.GetLinuxStartTicks(pid);
        Assert.NotNull(start);
        Assert.True(ProcessControl.IsSameProcess(pid, start, ticks));
        Assert.False(ProcessControl.IsSameProcess(pid, start!.Value.AddMinutes(-5), ticks is null ? null : ticks - 1000));
        Assert.False(ProcessControl.IsSameProcess(int.MaxValue - 1, start, ticks));
    }

    [Fact]
    public void Signals_reach_a_real_child()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var child = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        Assert.True(ProcessControl.IsAlive(child.Id));
        Assert.True(ProcessControl.Signal(child.Id, ProcessControl.SIGTERM));
        Assert.True(child.WaitForExit(5000));
        Assert.False(ProcessControl.IsAlive(child.Id));
    }
}
