using System.Text;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Tests.Storage;

public class JsonlFileTests
{
    [Fact]
    public void Round_trips_records()
    {
        using var dir = new TempDir();
        var path = dir.File("runs.jsonl");
        JsonlFile.Append(path, "{\"n\":1}");
        JsonlFile.AppendMany(path, ["{\"n\":2}", "{\"n\":3}"]);
        var lines = JsonlFile.Read(path).ToList();
        Assert.Equal([1L, 2L, 3L], lines.Select(l => l.LineNumber));
        Assert.Equal("{\"n\":3}", lines[2].Text);
        Assert.Equal(File.ReadAllText(path).IndexOf("{\"n\":3}", StringComparison.Ordinal), lines[2].Offset);
    }

    [Fact]
    public void A_torn_tail_is_skipped_then_fenced_off_and_reported_with_its_line()
    {
        using var dir = new TempDir();
        var path = dir.File("runs.jsonl");
        File.WriteAllText(path, "{\"n\":1}\n{\"n\":2}\n{\"n\":3, \"half");
        var problems = new List<MsgcodeProblem>();
        Assert.Equal(2, JsonlFile.Read(path, problems.Add).Count());
        Assert.Empty(problems); // an unterminated fragment is a write in progress, not corruption

        JsonlFile.Append(path, "{\"n\":4}");
        var lines = JsonlFile.Read(path, problems.Add).ToList();
        Assert.Equal(["{\"n\":1}", "{\"n\":2}", "{\"n\":4}"], lines.Select(l => l.Text));
        var problem = Assert.Single(problems);
        Assert.Equal(ErrorIds.JsonlLineTorn, problem.ErrorId); // a crash's leftover, not corruption to fix by hand
        Assert.Equal(3, problem.Line);
        Assert.Equal(path, problem.Target);
    }

    [Theory]
    [InlineData("{\"n\":3, \"half", true)]
    [InlineData("{\"a\":[1,2", true)]
    [InlineData("{\"s\":\"a } b", true)]
    [InlineData("{\"n\": nonsense}", false)]
    [InlineData("not json", false)]
    [InlineData("{\"n\":1}}", false)]
    public void A_cut_short_record_is_told_from_a_malformed_one(string line, bool torn) => Assert.Equal(torn, JsonlFile.IsTorn(line));

    [Fact]
    public void Records_must_be_single_lines()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => JsonlFile.Append(dir.File("x.jsonl"), "{\"a\":\n1}"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(50)]
    [InlineData(4999)]
    [InlineData(5000)]
    [InlineData(6000)]
    public void ReadTail_returns_the_last_records_in_order_across_chunks(int count)
    {
        using var dir = new TempDir();
        var path = dir.File("runs.jsonl");
        var padding = new string('x', 100);
        var builder = new StringBuilder();
        for (var i = 1; i <= 5000; i++)
        {
            builder.Append("{\"n\":").Append(i).Append(",\"pad\":\"").Append(padding).Append("\"}\n");
        }

        builder.Append("{\"n\":5001,\"torn"); // never counts
        File.WriteAllText(path, builder.ToString());
        var tail = JsonlFile.ReadTail(path, count);
        var expected = Enumerable.Range(Math.Max(1, 5001 - count), Math.Min(count, 5000)).ToList();
        Assert.Equal(expected, tail.Select(l => int.Parse(l.Text[5..l.Text.IndexOf(',')])));
    }

    [Fact]
    public void ReadTail_reports_malformed_lines_and_handles_missing_and_empty_files()
    {
        using var dir = new TempDir();
        Assert.Empty(JsonlFile.ReadTail(dir.File("missing.jsonl"), 5));
        File.WriteAllText(dir.File("empty.jsonl"), string.Empty);
        Assert.Empty(JsonlFile.ReadTail(dir.File("empty.jsonl"), 5));
        var path = dir.File("bad.jsonl");
        File.WriteAllText(path, "{\"n\":1}\nnot json\n{\"n\":3}\n");
        var problems = new List<MsgcodeProblem>();
        var tail = JsonlFile.ReadTail(path, 3, problems.Add);
        Assert.Equal(["{\"n\":1}", "{\"n\":3}"], tail.Select(l => l.Text));
        Assert.Equal(ErrorIds.JsonlLineMalformed, Assert.Single(problems).ErrorId);
    }

    [Fact]
    public void Concurrent_appenders_lose_nothing()
    {
        using var dir = new TempDir();
        var path = dir.File("runs.jsonl");
        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < 100; i++)
            {
                JsonlFile.Append(path, $"{{\"w\":{worker},\"i\":{i}}}");
            }
        });
        var problems = new List<MsgcodeProblem>();
        var lines = JsonlFile.Read(path, problems.Add).Select(l => l.Text).ToList();
        Assert.Empty(problems);
        Assert.Equal(800, lines.Distinct().Count());
    }
}
