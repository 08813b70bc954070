using Msgcode.Core.Errors;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Tests.Tasks;

public class TaskInputFilesTests
{
    [Fact]
    public void Files_are_copied_into_the_task_and_attempts_get_copies_of_their_own()
    {
        using var dir = new TempDir();
        var ws = Directory.CreateDirectory(dir.File("ws")).FullName;
        Directory.CreateDirectory(dir.File("b"));
        File.WriteAllText(dir.File("photo.png"), "one");
        File.WriteAllText(Path.Combine(dir.File("b"), "photo.png"), "two");
        var store = new TaskStore(ws);

        var task = store.Create("t", "p", "shell", files: [dir.File("photo.png"), Path.Combine(dir.File("b"), "photo.png")]);
        Assert.Equal([$"tasks/inputs/{task.Id}/photo.png", $"tasks/inputs/{task.Id}/photo-2.png"], task.Files);
        Assert.Equal(["one", "two"], TaskInputFiles.Resolve(ws, task.Files).Select(File.ReadAllText));

        var attempt = TaskAttempts.Create(store, task.Id, 1, null, null)[0];
        Assert.Equal([$"tasks/inputs/{attempt.Id}/photo.png", $"tasks/inputs/{attempt.Id}/photo-2.png"], attempt.Files);
        TaskInputFiles.Remove(store, task.Id);
        Assert.False(Directory.Exists(TaskInputFiles.FolderOf(store, task.Id)));
        Assert.Equal(["one", "two"], TaskInputFiles.Resolve(ws, attempt.Files).Select(File.ReadAllText));
    }

    [Fact]
    public void A_missing_file_a_folder_or_one_over_the_limit_is_refused_before_anything_is_written()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("big.wav"), new string('x', 100));
        Assert.Equal(ErrorIds.TaskInputFileNotFound, Assert.Throws<MsgcodeException>(() => TaskInputFiles.Check(dir.Path, ["nope.wav"], 1000)).ErrorId);
        Assert.Equal(ErrorIds.TaskInputFileNotFound, Assert.Throws<MsgcodeException>(() => TaskInputFiles.Check(dir.Path, [dir.Path], 1000)).ErrorId);
        var tooLarge = Assert.Throws<MsgcodeException>(() => TaskInputFiles.Check(dir.Path, ["big.wav"], 99));
        Assert.Equal(ErrorIds.TaskInputFileTooLarge, tooLarge.ErrorId);
        Assert.Equal(dir.File("big.wav"), tooLarge.Target);
        Assert.Equal([dir.File("big.wav")], TaskInputFiles.Check(dir.Path, ["big.wav"], 100));
    }
}
