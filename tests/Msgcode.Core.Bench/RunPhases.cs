using System.Diagnostics;
using System.Globalization;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Platform;
using Msgcode.Core.Runners;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

/// <summary>
/// Where the time of one Invoke-MsgcodeTask (shell runner, `true`) goes: each step the cmdlet and
/// TaskExecution take, timed on its own (median of n), next to the whole run and a bare process start.
/// </summary>
internal static class RunPhases
{
    public static int Measure(string dir, int count, string capabilities)
    {
        var home = new MsgcodeHome(Path.Combine(dir, "home"));
        Directory.CreateDirectory(home.Path);
        var workspace = Path.Combine(dir, "ws");
        Directory.CreateDirectory(workspace);
        var store = new TaskStore(workspace);
        var task = store.Create("true", "true", "shell");
        var builtins = new Dictionary<string, IRunner>(StringComparer.OrdinalIgnoreCase) { ["shell"] = new ShellRunner() };
        var registry = RunnerRegistry.From(CapabilityRegistry.Load(capabilities, home.CapabilitiesFile), builtins);
        var ledger = new RunLedger(store.LedgerPath);
        var options = new TaskRunOptions { Force = true };
        var phases = new (string Name, Action Step)[]
        {
            ("bare process start (/bin/sh -c true)", () => { using var p = Process.Start("/bin/sh", ["-c", "true"]); p.WaitForExit(); }),
            ("whole run (TaskExecution.RunAsync)", () => TaskExecution.RunAsync(store, task.Id, registry, options, CancellationToken.None).GetAwaiter().GetResult()),
            ("config resolve (home + workspace)", () => ConfigResolver.Resolve(new ConfigSources(home, workspace))),
            ("capability registry load", () => CapabilityRegistry.Load(capabilities, home.CapabilitiesFile)),
            ("store.Resolve + Get", () => store.Get(task.Id)),
            ("store.Update (no fsync)", () => store.Update(task.Id, _ => true, durable: false)),
            ("  lock acquire+release", () => { using var l = Msgcode.Core.Storage.FileLock.Acquire(Path.Combine(store.TasksDirectory, ".tasks.lock")); }),
            ("  ReadDocument", () => store.ReadDocument(task.Id)),
            ("  Serialize", () => store.ReadDocument(task.Id).Serialize()),
            ("  atomic write no fsync", () => Msgcode.Core.Storage.AtomicFile.WriteAllText(store.JsonPath(task.Id), store.ReadDocument(task.Id).Serialize(), new Msgcode.Core.Storage.AtomicWriteOptions { Fsync = false })),
            ("  atomic write fsync", () => Msgcode.Core.Storage.AtomicFile.WriteAllText(store.JsonPath(task.Id), store.ReadDocument(task.Id).Serialize())),
            ("ledger append (lock + fsync)", () => ledger.Append(new RunRecord { RunId = "run_x", TaskId = task.Id, Event = RunEvents.Started, RunnerKind = "shell", Status = "running" })),
            ("own start ticks + start time", () => { ProcessControl.GetLinuxStartTicks(Environment.ProcessId); ProcessControl.GetStartTimeUtc(Environment.ProcessId); }),
            ("  process, 3 pipes, sync", () => { var i = new ProcessStartInfo("/bin/sh", ["-c", "true"]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false }; using var p = Process.Start(i)!; p.StandardInput.Close(); p.StandardOutput.ReadToEnd(); p.StandardError.ReadToEnd(); p.WaitForExit(); }),
            ("  process, 3 pipes, env copy, sync", () => { var i = new ProcessStartInfo("/bin/sh", ["-c", "true"]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false }; i.Environment["MSGCODE_X"] = "1"; using var p = Process.Start(i)!; p.StandardInput.Close(); p.StandardOutput.ReadToEnd(); p.StandardError.ReadToEnd(); p.WaitForExit(); }),
            ("  process, 3 pipes, async wait", () => { var i = new ProcessStartInfo("/bin/sh", ["-c", "true"]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false }; using var p = Process.Start(i)!; p.StandardInput.Close(); var o = p.StandardOutput.BaseStream.ReadAsync(new byte[100]).AsTask(); var e = p.StandardError.BaseStream.ReadAsync(new byte[100]).AsTask(); p.WaitForExitAsync().GetAwaiter().GetResult(); o.GetAwaiter().GetResult(); e.GetAwaiter().GetResult(); }),
            ("shell runner alone", () => new ShellRunner().RunAsync(new RunnerRequest { Kind = "shell", WorkspacePath = workspace, Payload = "true", ArtifactDirectory = Path.Combine(dir, "art") }, CancellationToken.None).GetAwaiter().GetResult()),
        };

        var whole = 0.0;
        foreach (var (name, step) in phases)
        {
            step(); // warm
            var times = new List<double>();
            for (var i = 0; i < count; i++)
            {
                var sw = Stopwatch.StartNew();
                step();
                times.Add(sw.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            var median = times[times.Count / 2];
            if (name.StartsWith("whole", StringComparison.Ordinal))
            {
                whole = median;
            }

            Console.Error.WriteLine($"{median,9:0.000} ms  {name}");
        }

        Console.WriteLine(whole.ToString("0.###", CultureInfo.InvariantCulture));
        return 0;
    }
}
