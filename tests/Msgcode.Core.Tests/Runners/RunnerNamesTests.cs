using Msgcode.Core.Errors;
using Msgcode.Core.Runners;

namespace Msgcode.Core.Tests.Runners;

public class RunnerNamesTests
{
    private static readonly string[] Known = ["pwsh", "shell", "lmstudio", "claude", "codex", "tts", "asr"];

    [Theory]
    [InlineData("pwhs", "pwsh")]
    [InlineData("shel", "shell")]
    [InlineData("lmstuido", "lmstudio")]
    [InlineData("cladue", "claude")]
    [InlineData("banana", null)]
    [InlineData("x", null)]
    public void A_typo_gets_the_name_it_most_likely_meant(string typed, string? meant)
        => Assert.Equal(meant, RunnerNames.Closest(Known, typed));

    [Fact]
    public void An_unknown_name_is_RunnerNotFound_naming_the_runners_unless_forced()
    {
        var ex = Assert.Throws<MsgcodeException>(() => RunnerNames.Require(Known, " PWHS "));
        Assert.Equal(ErrorIds.RunnerNotFound, ex.ErrorId);
        Assert.Equal(MsgcodeErrorCategory.ObjectNotFound, ex.Category);
        Assert.Equal("pwhs", ex.Target);
        Assert.Contains("Did you mean 'pwsh'?", ex.Message);
        Assert.Contains("Available: asr, claude, codex, lmstudio, pwsh, shell, tts.", ex.Message);
        Assert.Equal("later", RunnerNames.Require(Known, "later", force: true));
        Assert.Equal("shell", RunnerNames.Require(Known, "Shell"));
    }

    [Fact]
    public void A_name_no_runner_could_have_is_TaskFieldInvalid_even_forced()
        => Assert.Equal(ErrorIds.TaskFieldInvalid, Assert.Throws<MsgcodeException>(() => RunnerNames.Require(Known, "Bad Runner!", force: true)).ErrorId);
}
