using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Tests.Storage;

public class JsonlGroupWriterTests
{
    [Fact]
    public async Task Concurrent_appenders_each_get_their_record_on_disk_exactly_once_before_the_acknowledgement()
    {
        using var dir = new TempDir();
        string[] files = [dir.File("a.jsonl"), dir.File("b.jsonl")];
        using var writer = new JsonlGroupWriter();
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();

        async Task Appender(int worker)
        {
            for (var i = 0; i < 100; i++)
            {
                var record = $"{{\"worker\":{worker},\"n\":{i}}}";
                var path = files[(worker + i) % 2];
                await writer.AppendAsync(path, record, durable: i % 5 != 0);
                // Acknowledged means written: the record is in the file by the time the task completes.
                Assert.Contains(record, JsonlFile.Read(path).Select(l => l.Text));
                acknowledged.Add(record);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() => Appender(w))));

        Assert.Equal(800, acknowledged.Count);
        Assert.Equal(800, acknowledged.Distinct().Count());
        var written = files.SelectMany(f => JsonlFile.Read(f)).Select(l => l.Text).ToList();
        Assert.Equal(800, written.Count);
        Assert.Equal(acknowledged.Order(StringComparer.Ordinal), written.Order(StringComparer.Ordinal)); // each exactly once
        Assert.Equal(800, writer.Records);
        Assert.True(writer.Fsyncs <= writer.Writes);

        // Each appender's records of one file are in the order it appended them.
        foreach (var file in files)
        {
            var byWorker = JsonlFile.Read(file).Select(l => System.Text.Json.JsonDocument.Parse(l.Text).RootElement)
                .GroupBy(e => e.GetProperty("worker").GetInt32());
            foreach (var worker in byWorker)
            {
                var numbers = worker.Select(e => e.GetProperty("n").GetInt32()).ToList();
                Assert.Equal(numbers.Order(), numbers);
            }
        }
    }

    [Fact]
    public async Task Records_that_arrive_together_share_one_write_and_one_fsync_per_file()
    {
        using var dir = new TempDir();
        var ledger = dir.File("runs.jsonl");
        var queue = dir.File("queue.jsonl");
        using var writer = new JsonlGroupWriter(start: false); // hold the batch until every record is in
        var appends = new List<Task>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (var i = 0; i < 25; i++)
            {
                lock (appends)
                {
                    appends.Add(writer.AppendAsync(ledger, $"{{\"t\":{t},\"i\":{i}}}"));
                    appends.Add(writer.AppendAsync(queue, $"{{\"t\":{t},\"i\":{i}}}", durable: false));
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(appends, a => Assert.False(a.IsCompleted)); // nothing is acknowledged before it is written

        writer.Start();
        await Task.WhenAll(appends);

        Assert.Equal(2, writer.Writes);
        Assert.Equal(1, writer.Fsyncs); // queue.jsonl held only hints: no fsync for it
        Assert.Equal(100, JsonlFile.Read(ledger).Count());
        Assert.Equal(100, JsonlFile.Read(queue).Count());
    }

    [Fact]
    public async Task A_torn_tail_is_fenced_off_and_every_record_after_it_is_recovered()
    {
        using var dir = new TempDir();
        var path = dir.File("runs.jsonl");
        File.WriteAllText(path, "{\"n\":0}\n{\"runId\":\"run_torn\",\"event\":\"sta"); // a writer killed mid-record
        using var writer = new JsonlGroupWriter();

        await Task.WhenAll(Enumerable.Range(1, 20).Select(n => Task.Run(() => writer.AppendAsync(path, $"{{\"n\":{n}}}"))));

        var problems = new List<MsgcodeProblem>();
        var records = JsonlFile.Read(path, problems.Add).Select(l => l.Text).ToList();
        Assert.Equal(21, records.Count);
        Assert.Equal(Enumerable.Range(0, 21).Select(n => $"{{\"n\":{n}}}").Order(StringComparer.Ordinal), records.Order(StringComparer.Ordinal));
        var torn = Assert.Single(problems); // the fragment stays on its own line, glued to nothing
        Assert.Equal(ErrorIds.JsonlLineTorn, torn.ErrorId);
        Assert.Contains("{\"runId\":\"run_torn\",\"event\":\"sta\n", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_whose_write_is_held_up_never_holds_up_another_file()
    {
        // Two lanes' ledgers: a slow fsync (here: a lock someone else holds) of one must not delay the other's records.
        using var dir = new TempDir();
        var slow = dir.File("slow.jsonl");
        var fast = dir.File("fast.jsonl");
        using var writer = new JsonlGroupWriter(lockTimeout: TimeSpan.FromSeconds(30));
        Task held;
        using (FileLock.For(slow))
        {
            held = Task.Run(() => writer.AppendAsync(slow, "{\"n\":1}")); // leads, and waits for the lock
            await Task.Delay(100);
            var quick = writer.AppendAsync(fast, "{\"n\":2}");
            Assert.Same(quick, await Task.WhenAny(quick, Task.Delay(TimeSpan.FromSeconds(10))));
            await quick;
            Assert.False(held.IsCompleted);
            Assert.Single(JsonlFile.Read(fast));
        }

        await held;
        Assert.Single(JsonlFile.Read(slow));
    }

    [Fact]
    public async Task A_failed_write_faults_only_the_records_of_that_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("plain"), "a file, not a folder");
        var unwritable = Path.Combine(dir.File("plain"), "runs.jsonl");
        var good = dir.File("good.jsonl");
        using var writer = new JsonlGroupWriter(start: false);
        var bad = writer.AppendAsync(unwritable, "{\"n\":1}");
        var fine = writer.AppendAsync(good, "{\"n\":2}");
        writer.Start();

        var error = await Assert.ThrowsAsync<MsgcodeException>(() => bad);
        Assert.Equal(ErrorIds.FileWriteFailed, error.ErrorId);
        await fine;
        Assert.Single(JsonlFile.Read(good));
    }

    [Fact]
    public async Task Dispose_writes_what_is_pending_and_later_appends_are_refused()
    {
        using var dir = new TempDir();
        var path = dir.File("runs.jsonl");
        var writer = new JsonlGroupWriter(start: false);
        var pending = writer.AppendAsync(path, "{\"n\":1}");
        writer.Dispose();
        await pending;
        Assert.Single(JsonlFile.Read(path));
        Assert.Throws<ObjectDisposedException>(() => { _ = writer.AppendAsync(path, "{\"n\":2}"); });
        using var open = new JsonlGroupWriter();
        Assert.Throws<ArgumentException>(() => { _ = open.AppendAsync(path, "{\"a\":\n1}"); }); // refused at once, not later
    }
}
