using System.Diagnostics;
using Msgcode.Core.Errors;
using Msgcode.Core.Tasks;
using Msgcode.Core.Worktrees;

namespace Msgcode.Core.Tests.Worktrees;

/// <summary>A fact that needs the git command line; skipped, saying so, where git is not installed.</summary>
public sealed class GitFactAttribute : FactAttribute
{
    public GitFactAttribute()
    {
        if (Msgcode.Core.Runners.ExecutableLocator.Find("git") is null)
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
        => Assert.Equal(expected, WorktreeManager.Unquote(quoted));

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
