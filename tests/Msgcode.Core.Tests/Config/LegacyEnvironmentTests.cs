using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Runners;

namespace Msgcode.Core.Tests.Config;

/// <summary>Every key is read from an MSGCODE_ variable; the original msgcode's names only as a labelled fallback.</summary>
public class LegacyEnvironmentTests
{
    private static ConfigReport Resolve(TempDir dir, Dictionary<string, string> env, string? envFile = null)
    {
        var home = new MsgcodeHome(dir.File("home"));
        Directory.CreateDirectory(home.Path);
        if (envFile is not null)
        {
            File.WriteAllText(home.EnvFile, envFile);
        }

        return ConfigResolver.Resolve(new ConfigSources(home, null, env));
    }

    [Fact]
    public void Every_variable_begins_with_MSGCODE_and_no_two_keys_share_a_name()
    {
        Assert.All(ConfigSchema.Keys, k => Assert.StartsWith("MSGCODE_", k.EnvironmentVariable, StringComparison.Ordinal));
        var names = ConfigSchema.Keys.SelectMany(k => new[] { k.EnvironmentVariable, k.LegacyEnvironmentVariable }.OfType<string>()).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ConfigSchema.Keys.Where(k => k.LegacyEnvironmentVariable is not null), k => Assert.Equal("MSGCODE_" + k.LegacyEnvironmentVariable, k.EnvironmentVariable));
    }

    [Fact]
    public void A_legacy_name_is_read_as_a_fallback_and_labelled()
    {
        using var dir = new TempDir();
        var entry = Resolve(dir, new() { ["LOG_LEVEL"] = "debug" })["log.level"];
        Assert.Equal("debug", entry.Value);
        Assert.Equal("Environment", entry.Source);
        Assert.Equal("env:LOG_LEVEL (legacy)", entry.SourcePath);
        Assert.Equal("LOG_LEVEL (legacy)", entry.SourceVariable);
        Assert.Equal("MSGCODE_LOG_LEVEL", entry.EnvironmentVariable);
        Assert.Equal("LOG_LEVEL", entry.LegacyEnvironmentVariable);
    }

    [Fact]
    public void The_MSGCODE_name_wins_over_the_legacy_one_in_the_environment_and_in_the_env_file()
    {
        using var dir = new TempDir();
        var report = Resolve(dir, new() { ["LOG_LEVEL"] = "debug", ["MSGCODE_LOG_LEVEL"] = "error" },
            "MSGCODE_LMSTUDIO_MODEL=new\nLMSTUDIO_MODEL=old\nMY_EMAIL=me@example.com\n");
        Assert.Equal("error", report["log.level"].Value);
        Assert.Equal("MSGCODE_LOG_LEVEL", report["log.level"].SourceVariable);
        Assert.Equal("new", report["lmstudio.model"].Value);
        Assert.Equal("MSGCODE_LMSTUDIO_MODEL", report["lmstudio.model"].SourceVariable);
        Assert.Equal(["me@example.com"], (string[])report["whitelist.emails"].Value!);
        Assert.Equal("MY_EMAIL (legacy)", report["whitelist.emails"].SourceVariable);
        Assert.Empty(report.Problems);
    }

    [Fact]
    public void A_legacy_value_that_does_not_parse_is_a_warning_and_ignored()
    {
        using var dir = new TempDir();
        var report = Resolve(dir, new() { ["LOG_LEVEL"] = "TRACE", ["MEMORY_INJECT_TOPK"] = "many" });
        var entry = report["log.level"];
        Assert.Equal("info", entry.Value);
        Assert.Equal("Default", entry.Source);
        Assert.Empty(entry.Problems);
        var issue = Assert.Single(report.Problems, p => p.Key == "log.level");
        Assert.Equal(ErrorIds.ConfigLegacyValueIgnored, issue.ErrorId);
        Assert.True(issue.IsWarning);
        Assert.Contains("MSGCODE_LOG_LEVEL", issue.Message);
        Assert.Equal("Ignored", entry.GetLayers()[0].Status);
        Assert.DoesNotContain(report.Problems, p => p.ErrorId == ErrorIds.ConfigValueInvalid);

        // The MSGCODE_ name is msgcode's own: a bad value there is an invalid setting, as before.
        var own = Resolve(dir, new() { ["MSGCODE_LOG_LEVEL"] = "TRACE" });
        Assert.Equal(ErrorIds.ConfigValueInvalid, Assert.Single(own.Problems).ErrorId);
    }

    [Fact]
    public void A_runner_inherits_neither_name_of_a_secret()
    {
        var hidden = RunnerInvocation.HiddenVariables(null);
        Assert.Contains("MSGCODE_LMSTUDIO_API_KEY", hidden);
        Assert.Contains("LMSTUDIO_API_KEY", hidden);
    }
}
