using System.Diagnostics;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Tests.Storage;

public class FileLockTests
{
    [Fact]
    public void Two_holders_in_one_process_exclude_each_other()
    {
        using var dir = new TempDir();
        var file = dir.File("tasks.json");
        using (FileLock.For(file))
        {
            var ex = Assert.Throws<MsgcodeException>(() => FileLock.For(file, TimeSpan.FromMilliseconds(200)));
            Assert.Equal(ErrorIds.LockTimeout, ex.ErrorId);
        }

        using var again = FileLock.For(file, TimeSpan.FromSeconds(1));
        Assert.True(File.Exists(FileLock.PathFor(file)));
    }

    [Fact]
    public async Task Threads_of_one_process_queue_on_the_lock_and_lose_no_update()
    {
        // Waiters in this process queue in memory (no polling of the file lock); exclusion must still hold,
        // a lock may be released on another thread than the one that took it, and a second Dispose is harmless.
        using var dir = new TempDir();
        var file = dir.File("counter.txt");
        File.WriteAllText(file, "0");
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                var held = FileLock.For(file);
                var value = int.Parse(File.ReadAllText(file));
                await Task.Yield(); // maybe another thread from here on
                File.WriteAllText(file, (value + 1).ToString());
                held.Dispose();
                held.Dispose();
            }
        })).ToArray();
        await Task.WhenAll(workers);
        Assert.Equal("400", File.ReadAllText(file));
        using var free = FileLock.For(file, TimeSpan.FromSeconds(1));
    }

    [SkippableFact]
    public void A_lock_file_that_cannot_be_made_fails_at_once_with_FileWriteFailed_not_after_the_timeout()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the test uses /proc, which refuses new files");

        var clock = Stopwatch.StartNew();
        var ex = Assert.Throws<MsgcodeException>(() => FileLock.For("/proc/version", TimeSpan.FromSeconds(20)));
        Assert.Equal(ErrorIds.FileWriteFailed, ex.ErrorId);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "waiting cannot make the lock file");
    }

    [SkippableFact]
    public void A_lock_held_by_a_killed_process_is_free_at_once()
    {
        // flock(1) from util-linux holds the lock from another process.
        var flock = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "flock")).FirstOrDefault(File.Exists);
        Skip.If(OperatingSystem.IsWindows() || flock is null, "flock(1) (util-linux) is not on PATH");

        using var dir = new TempDir();
        var file = dir.File("state.json");
        var holder = Process.Start(new ProcessStartInfo(flock!, ["-x", FileLock.PathFor(file), "sleep", "30"]) { UseShellExecute = false })!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(5);
            var blocked = false;
            while (DateTime.UtcNow < deadline && !blocked)
            {
                try
                {
                    using var probe = FileLock.For(file, TimeSpan.FromMilliseconds(50));
                    Thread.Sleep(50); // flock(1) has not taken it yet
                }
                catch (MsgcodeException ex) when (ex.ErrorId == ErrorIds.LockTimeout)
                {
                    blocked = true;
                }
            }

            Assert.True(blocked, "flock(1) in another process should hold the lock");
            holder.Kill(entireProcessTree: true); // SIGKILL
            holder.WaitForExit();
            using var mine = FileLock.For(file, TimeSpan.FromSeconds(2));
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill(entireProcessTree: true);
            }
        }
    }
}
