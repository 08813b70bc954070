using System.Diagnostics;
using System.Globalization;
using System.Text;
using Msgcode.Core.Runs;
using Msgcode.Core.Storage;
using Msgcode.Core.Tasks;

// Usage: Msgcode.Core.Bench <probe> <folder> <count> [extra]; prints one number (milliseconds) on stdout.
//   floor         <dir> <n>   the physical floor: n task pairs (.json + .md), each written temp + fsync + rename, in a bare loop
//   generate      <dir> <n>   n task pairs written fast (no fsync) to set up listing benchmarks
//   ledger-append <dir> <n>   n run records appended through the JSONL primitive (lock + fsync each)
//   ledger-fill   <dir> <n>   a ledger of n lines written in one go (setup)
//   ledger-tail   <dir> <n>   median ms of reading the newest n runs (RunLedger.NewestRuns), 20 tries
//   run-phases    <dir> <n> <capabilities.json>  median ms of each step of one shell run of `true` (where Invoke-MsgcodeTask's time goes), n tries; prints a table on stderr
var probe = args[0];
var dir = args[1];
var count = int.Parse(args[2], CultureInfo.InvariantCulture);
Directory.CreateDirectory(dir);
var sw = Stopwatch.StartNew();
switch (probe)
{
    case "floor":
        var tasks = Path.Combine(dir, "tasks");
        Directory.CreateDirectory(tasks);
        for (var i = 0; i < count; i++)
        {
            var id = TaskId.New();
            WriteFsyncRename(Path.Combine(tasks, id + ".json"), Encoding.UTF8.GetBytes(Json(id, i)));
            WriteFsyncRename(Path.Combine(tasks, id + ".md"), Encoding.UTF8.GetBytes($"# task {i}\n\nprompt {i}\n"));
        }

        break;
    case "generate":
        var folder = Path.Combine(dir, "tasks");
        Directory.CreateDirectory(folder);
        for (var i = 0; i < count; i++)
        {
            var id = TaskId.New();
            File.WriteAllText(Path.Combine(folder, id + ".json"), Json(id, i));
            File.WriteAllText(Path.Combine(folder, id + ".md"), $"# task {i}\n\nprompt {i}\n");
            var stamp = DateTime.UtcNow.AddMinutes(-5); // .json and .md agree: the .md is not newer
            File.SetLastWriteTimeUtc(Path.Combine(folder, id + ".md"), stamp);
            File.SetLastWriteTimeUtc(Path.Combine(folder, id + ".json"), stamp);
        }

        break;
    case "ledger-append":
        var ledger = new RunLedger(Path.Combine(dir, "runs.jsonl"));
        for (var i = 0; i < count; i++)
        {
            ledger.Append(Record(i));
        }

        break;
    case "ledger-fill":
        using (var writer = new StreamWriter(Path.Combine(dir, "runs.jsonl")))
        {
            for (var i = 0; i < count; i++)
            {
                writer.Write(System.Text.Json.JsonSerializer.Serialize(Record(i)));
                writer.Write('\n');
            }
        }

        break;
    case "ledger-tail":
        var tail = new RunLedger(Path.Combine(dir, "runs.jsonl"));
        var times = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var one = Stopwatch.StartNew();
            var runs = tail.NewestRuns(count);
            one.Stop();
            if (runs.Count != count)
            {
                throw new InvalidOperationException($"expected {count} runs, got {runs.Count}");
            }

            times.Add(one.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine(times[times.Count / 2].ToString("0.###", CultureInfo.InvariantCulture));
        return 0;
    case "run-phases":
        return RunPhases.Measure(dir, count, args.Length > 3 ? args[3] : Path.Combine(AppContext.BaseDirectory, "capabilities.json"));
    default:
        Console.Error.WriteLine($"unknown probe '{probe}'");
        return 2;
}

sw.Stop();
Console.WriteLine(sw.Elapsed.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture));
return 0;

static string Json(string id, int i) => $$"""
    {
      "id": "{{id}}",
      "title": "task {{i}}",
      "status": "open",
      "createdAtMs": {{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},
      "updatedAtMs": {{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},
      "workspace": { "path": "/bench" },
      "runner": { "kind": "pwsh", "model": "auto" },
      "inputs": { "prompt": "prompt {{i}}", "files": [] },
      "outputs": { "artifacts": [], "patches": [] },
      "notes": { "lastSummary": "" }
    }

    """;

static RunRecord Record(int i) => new()
{
    TsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
    RunId = "run_" + (i / 2).ToString("D10", CultureInfo.InvariantCulture),
    TaskId = "tsk_01m87t77nbdsnv9mv0bnd9xv41",
    Event = i % 2 == 0 ? RunEvents.Started : RunEvents.Finished,
    RunnerKind = "pwsh",
    Status = i % 2 == 0 ? "running" : "succeeded",
    DurationMs = i % 2 == 0 ? null : 12,
    Preview = "ok",
};

static void WriteFsyncRename(string path, byte[] bytes)
{
    var temp = path + ".tmp";
    using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
    {
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    File.Move(temp, path);
}
