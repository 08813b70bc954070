using Msgcode.Core.Logging;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Tests.Logging;

public class LogTests
{
    [Fact]
    public void Rotates_by_size_and_keeps_at_most_max_files()
    {
        using var dir = new TempDir();
        var path = dir.File("msgcode.log");
        var log = new MsgcodeLog(path, LogLevel.Debug, maxBytes: 4096, maxFiles: 2);
        for (var i = 0; i < 400; i++)
        {
            log.Info("test", "line", new { i });
        }

        Assert.Null(log.LastFailure);
        Assert.True(new FileInfo(path).Length <= 4096);
        Assert.Equal(2, FileRotation.RotatedFiles(path).Count);
        Assert.False(File.Exists(path + ".3"));
        var last = JsonlFile.ReadTail(path, 1).Single();
        Assert.Contains("\"i\":399", last.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_kept_open_rotates_by_size_too_and_loses_no_line()
    {
        using var dir = new TempDir();
        var path = dir.File("msgcode.log");
        using var log = new MsgcodeLog(path, LogLevel.Debug, maxBytes: 4096, maxFiles: 3) { KeepOpen = true, Fsync = false };
        for (var i = 0; i < 150; i++)
        {
            log.Info("test", "line", new { i });
        }

        Assert.Null(log.LastFailure);
        Assert.True(new FileInfo(path).Length <= 4096);
        var files = FileRotation.RotatedFiles(path).Reverse().Append(path).ToList();
        var numbers = files.SelectMany(f => JsonlFile.Read(f)).Select(l => (long)LogEntry.Parse(l.Text).Fields["i"]!).ToList();
        Assert.Equal(Enumerable.Range(150 - numbers.Count, numbers.Count).Select(i => (long)i), numbers); // in order, none lost or doubled
        Assert.True(numbers.Count > 100, "three rotated files and the current one hold most of the lines");
    }

    [Fact]
    public void A_log_kept_open_follows_its_name_when_someone_else_moves_truncates_or_writes_the_file()
    {
        using var dir = new TempDir();
        var path = dir.File("msgcode.log");
        using var log = new MsgcodeLog(path, LogLevel.Debug) { KeepOpen = true };
        log.Info("test", "one");

        File.Move(path, path + ".old"); // logrotate's way: the next line goes to a new file by the log's name
        log.Info("test", "two");
        Assert.Equal(["one"], File.ReadAllLines(path + ".old").Select(l => LogEntry.Parse(l).Message));
        Assert.Equal(["two"], File.ReadAllLines(path).Select(l => LogEntry.Parse(l).Message));

        File.WriteAllText(path, string.Empty); // copytruncate's way: the next line starts the file, after no hole
        log.Info("test", "three");
        Assert.Equal(["three"], File.ReadAllLines(path).Select(l => LogEntry.Parse(l).Message));

        File.AppendAllText(path, "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"level\":\"info\",\"module\":\"x\",\"msg\":\"someone else\""); // torn: no newline
        log.Info("test", "four");
        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.Equal("four", LogEntry.Parse(lines[2]).Message); // the torn line was ended, this one is whole
        Assert.Null(log.LastFailure);

        log.Reopen(); // SIGHUP
        log.Info("test", "five");
        Assert.Equal("five", LogEntry.Parse(File.ReadAllLines(path)[^1]).Message);
    }

    [Fact]
    public void Levels_below_the_minimum_are_dropped_and_fields_follow_the_message()
    {
        using var dir = new TempDir();
        var path = dir.File("msgcode.log");
        var log = new MsgcodeLog(path, LogLevel.Warn);
        log.Info("daemon", "quiet");
        log.Warn("daemon", "loud", new { textLen = 5, textSha = TextDigest.Of("hello").Sha });
        var entry = LogEntry.Parse(File.ReadAllLines(path).Single());
        Assert.Equal("warn", entry.Level);
        Assert.Equal("loud", entry.Message);
        Assert.Equal(5L, entry.Fields["textLen"]);
        Assert.Equal("2cf24dba5fb0", entry.Fields["textSha"]);
    }

    [Fact]
    public void Follower_reads_through_rotation_and_truncation_without_losing_lines()
    {
        using var dir = new TempDir();
        var path = dir.File("msgcode.log");
        void Write(string file, int n) => File.AppendAllText(file, $"{{\"ts\":\"2026-01-01T00:00:00.{n:000}Z\",\"msg\":\"m{n}\"}}\n");
        Write(path, 0);
        using var follower = new LogFollower(path);
        Assert.Single(follower.Start(5));
        Write(path, 1);
        Assert.Equal(["m1"], follower.Poll().Select(e => e.Message));

        Write(path, 2);
        File.Move(path, path + ".1");
        Write(path + ".1", 3); // written to the old file after the rename: must not be lost
        Write(path, 4);
        var seen = follower.Poll();
        Assert.Equal(["m2", "m3", null, "m4"], seen.Select(e => e.Message));
        Assert.Equal("rotated", seen[2].Marker);

        File.WriteAllText(path, string.Empty);
        Assert.DoesNotContain(follower.Poll(), e => e.Marker is null);
        Write(path, 5);
        var after = follower.Poll();
        Assert.Contains(after, e => e.Message == "m5");
    }

    [Fact]
    public void Digest_is_length_and_sha256_prefix()
    {
        var digest = TextDigest.Of("héllo");
        Assert.Equal(5, digest.Length);
        Assert.Equal(12, digest.Sha.Length);
        Assert.Equal(digest, TextDigest.Of("héllo"));
        Assert.NotEqual(digest.Sha, TextDigest.Of("hello").Sha);
    }
}
