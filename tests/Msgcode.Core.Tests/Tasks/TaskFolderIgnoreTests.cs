using Msgcode.Core.Tasks;

namespace Msgcode.Core.Tests.Tasks;

public class TaskFolderIgnoreTests
{
    private static string Block => string.Join('\n', [TaskFolderIgnore.BeginMarker, .. TaskFolderIgnore.Patterns, TaskFolderIgnore.EndMarker]) + "\n";

    [Fact]
    public void A_new_tasks_folder_gets_msgcodes_block_and_a_current_one_is_not_written_again()
    {
        using var dir = new TempDir();
        var store = new TaskStore(dir.Path);
        store.Create("t", "p", "shell");
        var path = Path.Combine(store.TasksDirectory, TaskFolderIgnore.FileName);
        Assert.Equal(Block, File.ReadAllText(path));

        var stamp = File.GetLastWriteTimeUtc(path);
        File.SetLastWriteTimeUtc(path, stamp.AddMinutes(-5));
        TaskFolderIgnore.Ensure(store.TasksDirectory);
        Assert.Equal(stamp.AddMinutes(-5), File.GetLastWriteTimeUtc(path)); // already current: untouched
    }

    [Fact]
    public void Only_the_lines_between_the_markers_change_and_a_users_lines_are_kept()
    {
        var stale = $"# mine\nscratch.txt\n{TaskFolderIgnore.BeginMarker}\n/old-pattern\n{TaskFolderIgnore.EndMarker}\nnotes-*.md\n";
        Assert.Equal($"# mine\nscratch.txt\n{Block}notes-*.md\n", TaskFolderIgnore.Merge(stale));
        Assert.Equal($"{Block}notes-*.md\n", TaskFolderIgnore.Merge($"{TaskFolderIgnore.BeginMarker}\n{TaskFolderIgnore.EndMarker}\nnotes-*.md\n"));

        // A file of the user's own without the block gets it at its end; a current one stays as it is.
        Assert.Equal("scratch.txt\n" + Block, TaskFolderIgnore.Merge("scratch.txt"));
        Assert.Equal("scratch.txt\n" + Block, TaskFolderIgnore.Merge("scratch.txt\n" + Block));
        Assert.Equal(Block, TaskFolderIgnore.Merge(string.Empty));
    }

    [Fact]
    public void The_machinery_is_ignored_and_what_people_keep_is_not()
    {
        Assert.Contains("/*.lock", TaskFolderIgnore.Patterns);
        Assert.Contains("/.tasks.spare*", TaskFolderIgnore.Patterns);
        Assert.Contains("/index.json", TaskFolderIgnore.Patterns);
        Assert.Contains("/artifacts/", TaskFolderIgnore.Patterns);
        Assert.DoesNotContain(TaskFolderIgnore.Patterns, p => p.Contains("json", StringComparison.Ordinal) && p != "/index.json");
        Assert.DoesNotContain(TaskFolderIgnore.Patterns, p => p.Contains(".md", StringComparison.Ordinal) || p.Contains("inputs", StringComparison.Ordinal));
    }
}
