using System.Diagnostics;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Tasks;
using Msgcode.Core.Worktrees;

namespace Msgcode.Core.Tests.Worktrees;

/// <summary>A fact that needs the git command line; skipped, saying so, where git is not installed.</summary>
public sealed class GitFactAttribute : FactAttribute
{
    public GitFactAttribute()
    {
        if (Msgcode.Core.Platform.ExecutableLocator.Find("git") is null)
        {
            Skip = "git is not installed on this machine";
        }
    }
}

public class WorktreeManagerTests
{
    [Theory]
    [InlineData("plain name.txt", "plain name.txt")]
    [InlineData("\"caf\\303\\251 menu.txt\"", "café menu.txt")]
    [InlineData("\"tab\\there\"", "tab\there")]
    [InlineData("\"quote\\\"d\"", "quote\"d")]
    public void Unquotes_paths_as_git_writes_them(string quoted, string expected)
        => Assert.Equal(expected, PatchText.Unquote(quoted));

    [GitFact]
    public void A_folder_inside_another_repository_is_not_taken_for_the_workspace_repository()
    {
        using var temp = new TempDir();
        Git(temp.Path, "init", "-q");
        var workspace = Directory.CreateDirectory(Path.Combine(temp.Path, "inner")).FullName;
        var manager = new WorktreeManager(new TaskStore(workspace));
        var ex = Assert.Throws<MsgcodeException>(() => manager.Inspect());
        Assert.Equal(ErrorIds.WorktreeRepositoryNotFound, ex.ErrorId);
    }

    [GitFact]
    public void Lists_nothing_for_a_repository_without_task_worktrees()
    {
        using var temp = new TempDir();
        Git(temp.Path, "init", "-q");
        Git(temp.Path, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "init");
        var manager = new WorktreeManager(new TaskStore(temp.Path));
        Assert.Empty(manager.List());
        Assert.Empty(manager.Problems());
        Assert.Equal(".", manager.Settings.RepositoryPath);
        Assert.Equal([".env"], manager.Settings.CopyPatterns);
    }

    [GitFact]
    public void Finds_the_untracked_and_ignored_files_a_patch_would_write_over()
    {
        using var temp = new TempDir();
        var root = temp.Path;
        Git(root, "init", "-q");
        File.WriteAllText(temp.File(".gitignore"), "local.cfg\nbuild/\n*.tmp\n");
        File.WriteAllText(temp.File("a.txt"), "a");
        Directory.CreateDirectory(temp.File("src"));
        File.WriteAllText(Path.Combine(root, "src", "b.txt"), "b");
        Git(root, "add", "-A");
        Git(root, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "init");
        var head = GitOutput(root, "rev-parse", "HEAD").Trim();

        File.WriteAllText(temp.File("a.txt"), "an uncommitted change: git status reports it, not this check");
        File.WriteAllText(temp.File("local.cfg"), "ignored user settings");
        Directory.CreateDirectory(temp.File("build"));
        File.WriteAllText(Path.Combine(root, "build", "out.bin"), "ignored build output");
        File.WriteAllText(temp.File("notes.txt"), "untracked, not ignored");
        string[] paths = ["a.txt", "new.txt", "local.cfg", "build/out.bin", "build/new.bin", "notes.txt", "notes.txt/inside", "a.txt/inside", "src", "src/b.txt", "deep/new/file.txt", "data/x.txt"];
        var expected = new List<string> { "build/out.bin", "local.cfg", "notes.txt" };
        if (!OperatingSystem.IsWindows())
        {
            // An untracked link where the patch needs a folder: git would write through it, or replace it when it is ignored.
            var outside = Directory.CreateDirectory(Path.Combine(root, "..", Path.GetFileName(root) + "-outside")).FullName;
            try
            {
                File.CreateSymbolicLink(temp.File("data"), outside);
                expected.Insert(1, "data");
                Assert.Equal(expected, UntrackedFiles.InTheWay(root, head, paths));
            }
            finally
            {
                Directory.Delete(outside, recursive: true);
            }
        }
        else
        {
            Assert.Equal(expected, UntrackedFiles.InTheWay(root, head, paths));
        }

        // A tracked folder the patch replaces with a file: in the way only once it holds something git does not track.
        Assert.DoesNotContain("src", UntrackedFiles.InTheWay(root, head, ["src"]));
        File.WriteAllText(Path.Combine(root, "src", "cache.tmp"), "ignored");
        Assert.Equal(["src"], UntrackedFiles.InTheWay(root, head, ["src"]));
        Assert.Empty(UntrackedFiles.InTheWay(root, head, ["src/b.txt", "a.txt", "gone.txt"]));
    }

    private static string GitOutput(string directory, params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    private static void Git(string directory, params string[] arguments)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
