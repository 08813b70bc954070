using System.Diagnostics;
using System.Globalization;
using System.Text;
using Msgcode.Core.Jobs;
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
//   jobs-generate <home> <n>  a jobs.json of n jobs (cron in several time zones, every, at; none due for years) (setup)
//   jobs-next     <dir> <n>   median ms of computing the next run of n jobs (JobScheduleMath.NextAfter), 5 passes
//   cronos-next   <dir> <n>   the reference: the same n next runs with Cronos alone (parse + GetNextOccurrence each)
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
    case "jobs-generate":
        var workspace = Path.Combine(dir, "ws");
        Directory.CreateDirectory(workspace);
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var jobs = new JobsFile();
        for (var i = 0; i < count; i++)
        {
            var schedule = BenchSchedule(i);
            jobs.Jobs.Add(new JobDefinition
            {
                Id = JobStore.NewId(), Name = "job " + i, Schedule = schedule,
                Action = new JobAction { Kind = JobActionKinds.NewTask, Workspace = workspace, Title = "job " + i, Prompt = "true", Runner = "shell" },
                State = new JobState { NextRunAtMs = JobScheduleMath.NextAfter(schedule, nowMs) },
                CreatedAtMs = nowMs, UpdatedAtMs = nowMs,
            });
        }

        File.WriteAllText(Path.Combine(dir, "jobs.json"), System.Text.Json.JsonSerializer.Serialize(jobs, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        break;
    case "jobs-next":
    case "cronos-next":
        var schedules = Enumerable.Range(0, count).Select(BenchSchedule).ToList();
        var from = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var passes = new List<double>();
        for (var pass = 0; pass < 5; pass++)
        {
            var one = Stopwatch.StartNew();
            long sum = 0;
            foreach (var schedule in schedules)
            {
                if (probe == "jobs-next")
                {
                    sum += JobScheduleMath.NextAfter(schedule, from) ?? 0;
                }
                else if (schedule.Kind == JobScheduleKinds.Cron)
                {
                    var next = Cronos.CronExpression.Parse(schedule.Expr!).GetNextOccurrence(DateTime.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(schedule.Tz!));
                    sum += next?.Ticks ?? 0;
                }
                else
                {
                    sum += JobScheduleMath.NextAfter(schedule, from) ?? 0;
                }
            }

            one.Stop();
            passes.Add(one.Elapsed.TotalMilliseconds);
            GC.KeepAlive(sum);
        }

        passes.Sort();
        Console.WriteLine(passes[passes.Count / 2].ToString("0.###", CultureInfo.InvariantCulture));
        return 0;
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

// Ten thousand jobs as people write them: many different cron expressions in several zones, some every, some at.
// None is due for years (29 February, or far anchors), so a daemon that loads them only waits.
static JobSchedule BenchSchedule(int i)
{
    string[] zones = ["UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Sydney"];
    var far = DateTimeOffset.UtcNow.AddYears(3);
    return (i % 10) switch
    {
        8 => JobSchedule.Every(TimeSpan.FromDays(400 + i % 50), far.AddMinutes(i)),
        9 => JobSchedule.At(far.AddMinutes(i)),
        _ => JobSchedule.Cron($"{i % 60} {i / 60 % 24} 29 2 *", zones[i % zones.Length]),
    };
}

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
