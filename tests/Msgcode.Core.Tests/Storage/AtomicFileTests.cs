using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Tests.Storage;

public class AtomicFileTests
{
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
