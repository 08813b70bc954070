using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Tests.Storage;

public class AtomicFileTests
{
    /// <summary>
    /// A folder with <c>task.json</c> written once, and write options with a spare. The exchange is Linux-only
    /// (elsewhere the spare is ignored, which the other tests cover): skipped there, and checked to work here, so
    /// a spare test never passes through the temp-and-rename fallback unnoticed.
    /// </summary>
    private static TempDir SpareFixture(string first, bool fsync, out string path, out AtomicWriteOptions options)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the exchange (renameat2) is Linux-only");
        var dir = new TempDir();
        var probe = dir.File("probe.json");
        AtomicFile.WriteAllText(probe, "before");
        AtomicFile.WriteAllText(probe, "after", new AtomicWriteOptions { Spare = dir.File(".probe-spare"), Fsync = false });
        Assert.Equal("before", File.ReadAllText(dir.File(".probe-spare"))); // the exchange was made, not the fallback
        File.Delete(probe);
        File.Delete(dir.File(".probe-spare"));
        path = dir.File("task.json");
        options = new AtomicWriteOptions { Spare = dir.File(".spare"), Fsync = fsync };
        AtomicFile.WriteAllText(path, first);
        return dir;
    }

    [Fact]
    public void Replaces_content_and_leaves_no_temp()
    {
        using var dir = new TempDir();
        var path = dir.File("state.json");
        AtomicFile.WriteAllText(path, "one");
        AtomicFile.WriteAllText(path, "two");
        Assert.Equal("two", File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(dir.Path, "*" + AtomicFile.TempSuffix));
    }

    [SkippableFact]
    public void A_write_through_a_spare_exchanges_the_two_and_creates_no_file()
    {
        using var dir = SpareFixture("one", fsync: false, out var path, out var options);
        AtomicFile.WriteAllText(path, "two", options);
        Assert.Equal("two", File.ReadAllText(path));
        Assert.Equal("one", File.ReadAllText(dir.File(".spare"))); // the old contents went to the spare: no file was deleted

        // The writes take turns with the spares (the next one is .spare1, then .spare2, .spare3 and .spare again),
        // so a spare is written over only several writes after the exchange that made it the spare.
        var texts = new[] { "three, longer than before", "4", "five", "6", "seven", "8" };
        foreach (var text in texts)
        {
            AtomicFile.WriteAllText(path, text, options);
        }

        // The last write went into the file that held "three, longer than before": no tail of it is left behind.
        Assert.Equal("8", File.ReadAllText(path));
        Assert.Equal("five", File.ReadAllText(dir.File(".spare")));
        Assert.Equal("6", File.ReadAllText(dir.File(".spare1")));
        Assert.Equal("seven", File.ReadAllText(dir.File(".spare2")));
        Assert.Equal("4", File.ReadAllText(dir.File(".spare3")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*" + AtomicFile.TempSuffix));
        Assert.Equal(1 + AtomicFile.SpareCount, Directory.GetFiles(dir.Path, "*", new EnumerationOptions { AttributesToSkip = 0 }).Length);
    }

    [SkippableFact]
    public void A_spare_is_written_over_only_after_a_folder_fsync_that_followed_its_exchange()
    {
        using var dir = SpareFixture("first", fsync: false, out var path, out var options);

        // The first round creates the spares: nothing is written over, nothing needs to be durable yet.
        for (var i = 0; i < AtomicFile.SpareCount; i++)
        {
            AtomicFile.WriteAllText(path, "round 1, write " + i, options);
        }

        Assert.Equal(0, SpareExchange.FolderFsyncs(dir.Path));

        // From then on each spare is written over: the first write of a round finds its spare's exchange not yet on
        // disk and fsyncs the folder, which makes the round's other exchanges durable too.
        for (var round = 2; round <= 4; round++)
        {
            for (var i = 0; i < AtomicFile.SpareCount; i++)
            {
                AtomicFile.WriteAllText(path, $"round {round}, write {i}", options);
                Assert.Equal(round - 1, SpareExchange.FolderFsyncs(dir.Path));
            }
        }

        // A spare that another process exchanged (its file is not the one this process left there) is made durable
        // before it is written over, whatever this process knows.
        var replaced = dir.File(".spare1");
        File.Delete(replaced);
        File.WriteAllText(replaced, "another process's old task");
        var before = SpareExchange.FolderFsyncs(dir.Path);
        for (var i = 0; i < AtomicFile.SpareCount; i++)
        {
            AtomicFile.WriteAllText(path, "round 5, write " + i, options);
        }

        Assert.Equal(before + 2, SpareExchange.FolderFsyncs(dir.Path)); // the round's own, and the replaced spare's
        Assert.Equal("round 5, write 3", File.ReadAllText(path));
    }

    [SkippableFact]
    public void A_reader_outside_msgcode_that_opened_a_file_never_sees_another_files_contents_in_it()
    {
        // An editor, git or a backup opens task.json (no lock of any kind) and reads it later. Meanwhile task.json
        // is written (its old file becomes a spare) and another file in the folder is written through every spare
        // twice over: the reader's file must still hold what it held, never the other file's contents.
        using var dir = SpareFixture("task one, as the reader opened it", fsync: false, out var path, out var options);
        var other = dir.File("other.json");
        AtomicFile.WriteAllText(other, "other, first");
        using var reader = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", ["-c", "exec 3<\"$1\"; echo ready; exec sleep 60", "sh", path]) { RedirectStandardOutput = true })!;
        try
        {
            Assert.Equal("ready", reader.StandardOutput.ReadLine());
            AtomicFile.WriteAllText(path, "task one, written after", options);
            for (var i = 0; i < 2 * AtomicFile.SpareCount; i++)
            {
                AtomicFile.WriteAllText(other, "other, write " + i, options);
            }

            Assert.Equal("task one, as the reader opened it", File.ReadAllText($"/proc/{reader.Id}/fd/3"));
            Assert.Equal("task one, written after", File.ReadAllText(path));
            Assert.Equal("other, write " + (2 * AtomicFile.SpareCount - 1), File.ReadAllText(other));
        }
        finally
        {
            reader.Kill();
        }

        // With the reader gone the spares are used again: no new file per write.
        reader.WaitForExit();
        for (var i = 0; i < 2 * AtomicFile.SpareCount; i++)
        {
            AtomicFile.WriteAllText(path, "task one, write " + i, options);
        }

        Assert.Empty(Directory.GetFiles(dir.Path, "*" + AtomicFile.TempSuffix));
        Assert.Equal(2 + AtomicFile.SpareCount, Directory.GetFiles(dir.Path, "*", new EnumerationOptions { AttributesToSkip = 0 }).Length);
    }

    [SkippableFact]
    public void A_write_through_a_spare_never_changes_another_name_of_the_file()
    {
        using var dir = SpareFixture("one", fsync: true, out var path, out var options);
        var backup = dir.File("backup.json");
        using (var ln = System.Diagnostics.Process.Start("ln", [path, backup]))
        {
            ln.WaitForExit();
        }

        foreach (var text in new[] { "two", "three", "four" })
        {
            AtomicFile.WriteAllText(path, text, options);
        }

        Assert.Equal("four", File.ReadAllText(path));
        Assert.Equal("one", File.ReadAllText(backup)); // a hard link is never exchanged out and written into

        // A spare that is a link to some other file is not written through either.
        var other = dir.File("other.txt");
        File.WriteAllText(other, "keep");
        File.Delete(dir.File(".spare"));
        File.CreateSymbolicLink(dir.File(".spare"), other);
        for (var i = 0; i < 2 * AtomicFile.SpareCount; i++)
        {
            AtomicFile.WriteAllText(path, "write " + i, options); // every spare's turn comes, the link's too
        }

        Assert.Equal("write " + (2 * AtomicFile.SpareCount - 1), File.ReadAllText(path));
        Assert.Equal("keep", File.ReadAllText(other));
        Assert.True(new FileInfo(dir.File(".spare")).LinkTarget is not null);
    }

    [SkippableFact]
    public void A_reader_that_holds_the_old_file_keeps_reading_the_old_contents()
    {
        using var dir = SpareFixture("one", fsync: false, out var path, out var options);
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        AtomicFile.WriteAllText(path, "two", options); // "one" is now the first spare's file...
        for (var i = 0; i < AtomicFile.SpareCount; i++)
        {
            AtomicFile.WriteAllText(path, "write " + i, options); // ...and when its turn comes again, the reader still holds it
        }

        Assert.Equal("one", new StreamReader(reader).ReadToEnd());
        Assert.Equal("write " + (AtomicFile.SpareCount - 1), File.ReadAllText(path));
    }

    [SkippableFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // SpareFixture skips elsewhere
    public void A_write_through_a_spare_keeps_the_mode_of_the_file()
    {
        using var dir = SpareFixture("one", fsync: true, out var path, out var options);
        AtomicFile.WriteAllText(path, "two", options);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        for (var i = 0; i < AtomicFile.SpareCount; i++)
        {
            AtomicFile.WriteAllText(path, "write " + i, options); // the first spare still has the old, wider mode
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Equal("write " + (AtomicFile.SpareCount - 1), File.ReadAllText(path));
    }

    [Fact]
    public void Cleans_old_stray_temps_and_keeps_young_ones()
    {
        using var dir = new TempDir();
        var old = dir.File(".state.json.aaaa" + AtomicFile.TempSuffix);
        var young = dir.File(".state.json.bbbb" + AtomicFile.TempSuffix);
        var unrelated = dir.File("notes.tmp");
        File.WriteAllText(old, "x");
        File.WriteAllText(young, "x");
        File.WriteAllText(unrelated, "x");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-1));
        AtomicFile.WriteAllText(dir.File("state.json"), "{}");
        Assert.False(File.Exists(old));
        Assert.True(File.Exists(young));
        Assert.True(File.Exists(unrelated));
    }

    [Fact]
    public void Owner_only_files_are_0600_and_existing_modes_are_kept()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var dir = new TempDir();
        var secret = dir.File("secret.json");
        AtomicFile.WriteAllText(secret, "{}", new AtomicWriteOptions { OwnerOnly = true });
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secret));

        var shared = dir.File("shared.json");
        File.WriteAllText(shared, "{}");
        File.SetUnixFileMode(shared, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        AtomicFile.WriteAllText(shared, "{\"a\":1}");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(shared));
    }

    [Fact]
    public void A_write_that_cannot_happen_throws_FileWriteFailed_and_leaves_nothing()
    {
        using var dir = new TempDir();
        var blocker = dir.File("not-a-folder");
        File.WriteAllText(blocker, "x");
        var ex = Assert.Throws<MsgcodeException>(() => AtomicFile.WriteAllText(Path.Combine(blocker, "state.json"), "{}"));
        Assert.Equal(ErrorIds.FileWriteFailed, ex.ErrorId);
        Assert.Equal(Path.Combine(blocker, "state.json"), ex.Target);
        Assert.Equal("x", File.ReadAllText(blocker));
    }
}
