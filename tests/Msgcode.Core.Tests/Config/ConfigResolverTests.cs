using Msgcode.Core.Config;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Tests.Config;

public class ConfigResolverTests
{
    private static ConfigSources Sources(TempDir dir, Dictionary<string, string>? env = null, string? workspace = null)
        => new(new MsgcodeHome(dir.File("home")), workspace, env ?? new Dictionary<string, string>());

    private static void WriteState(TempDir dir, string configJson)
    {
        Directory.CreateDirectory(dir.File("home"));
        File.WriteAllText(Path.Combine(dir.File("home"), "state.json"), "{\"version\":1,\"config\":" + configJson + "}");
    }

    [Fact]
    public void Every_key_is_declared_once_with_a_distinct_variable()
    {
        Assert.Equal(ConfigSchema.Keys.Count, ConfigSchema.Keys.Select(k => k.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(ConfigSchema.Keys.Count, ConfigSchema.Keys.Select(k => k.EnvironmentVariable).Distinct().Count());
        foreach (var key in ConfigSchema.Keys)
        {
            Assert.False(string.IsNullOrWhiteSpace(key.Description));
            if (key.Default is not null)
            {
                Assert.True(key.TryConvert(key.Default is string[] list ? list : key.Default, out _, out var error), $"{key.Name}: default invalid: {error}");
            }
        }
    }

    [Fact]
    public void The_highest_valid_layer_wins_and_the_rest_are_shadowed()
    {
        using var dir = new TempDir();
        var ws = dir.File("ws");
        Directory.CreateDirectory(Path.Combine(ws, ".msgcode"));
        WriteState(dir, "{\"lmstudio.model\":\"from-state\"}");
        File.WriteAllText(Path.Combine(ws, ".msgcode", "config.json"), "{\"lmstudio.model\":\"from-ws\"}");
        File.WriteAllText(Path.Combine(dir.File("home"), ".env"), "MSGCODE_LMSTUDIO_MODEL=from-env-file\n");
        var report = ConfigResolver.Resolve(Sources(dir, new() { ["MSGCODE_LMSTUDIO_MODEL"] = "from-env" }, ws));
        var entry = report["lmstudio.model"];
        Assert.Equal("from-env", entry.Value);
        Assert.Equal("Environment", entry.Source);
        Assert.Equal(["Environment", "EnvFile", "Workspace", "State", "Default"], entry.GetLayers().Select(l => l.Layer));
        Assert.Equal(4, entry.Shadowed.Length);
        Assert.Empty(report.Problems);
    }

    [Fact]
    public void Invalid_values_are_skipped_with_their_location_and_the_next_layer_wins()
    {
        using var dir = new TempDir();
        WriteState(dir, "{\"daemon.stopTimeoutSec\":\"abc\",\"log.maxFiles\":5}");
        var report = ConfigResolver.Resolve(Sources(dir, new() { ["MSGCODE_LOG_MAX_FILES"] = "lots" }));
        Assert.Equal(30L, report["daemon.stopTimeoutSec"].Value);
        Assert.Equal(5L, report["log.maxFiles"].Value);
        Assert.Equal("State", report["log.maxFiles"].Source);
        var problems = report.Problems.Where(p => p.ErrorId == ErrorIds.ConfigValueInvalid).ToList();
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Layer == "Environment" && p.Path == "env:MSGCODE_LOG_MAX_FILES");
        Assert.Contains(problems, p => p.Layer == "State" && p.Path!.EndsWith("state.json", StringComparison.Ordinal));
    }

    [Fact]
    public void Secrets_never_leave_the_report_in_clear()
    {
        using var dir = new TempDir();
        WriteState(dir, "{\"lmstudio.apiKey\":\"sk-state-secret\"}");
        var report = ConfigResolver.Resolve(Sources(dir, new() { ["MSGCODE_LMSTUDIO_API_KEY"] = "sk-env-secret" }));
        var entry = report["lmstudio.apiKey"];
        Assert.Equal(ConfigKey.Redacted, entry.Value);
        Assert.DoesNotContain(entry.Shadowed, s => s.Contains("sk-", StringComparison.Ordinal));
        Assert.Equal("sk-env-secret", report.GetString("lmstudio.apiKey"));
        var json = System.Text.Json.JsonSerializer.Serialize(report.Entries);
        Assert.DoesNotContain("sk-", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jobs.enabled", "yes", true)]
    [InlineData("jobs.enabled", "OFF", false)]
    [InlineData("log.level", "WARN", "warn")]
    [InlineData("lmstudio.baseUrl", "http://10.0.0.1:1234/", "http://10.0.0.1:1234")]
    public void Text_values_convert_to_the_key_type(string name, string text, object expected)
    {
        Assert.True(ConfigSchema.Find(name)!.TryConvert(text, out var value, out var error), error);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("daemon.stopTimeoutSec", "0")]
    [InlineData("daemon.stopTimeoutSec", "1.5")]
    [InlineData("log.level", "loud")]
    [InlineData("lmstudio.baseUrl", "ftp://x")]
    [InlineData("runner.default", "Bad Kind!")]
    public void Invalid_text_values_are_refused(string name, string text)
        => Assert.False(ConfigSchema.Find(name)!.TryConvert(text, out _, out _));

    [Fact]
    public void Env_file_lines_parse_like_dotenv_and_bad_ones_are_located()
    {
        var issues = new List<ConfigIssue>();
        var entries = EnvFileParser.Parse("# c\nexport A=1\nB = 'x # y'\nC=\"a\\nb\"\nD=plain # comment\nnoequals\n=x\nE=\"open\n", "/h/.env", issues);
        Assert.Equal(["A", "B", "C", "D"], entries.Select(e => e.Name));
        Assert.Equal(["1", "x # y", "a\nb", "plain"], entries.Select(e => e.Value));
        Assert.Equal([6, 7, 8], issues.Select(i => i.Line!.Value));
        Assert.All(issues, i => Assert.Equal(ErrorIds.ConfigEnvLineMalformed, i.ErrorId));
    }

    [Fact]
    public void Set_touches_only_its_key_and_never_rewrites_a_corrupt_file()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("home"));
        var state = Path.Combine(dir.File("home"), "state.json");
        File.WriteAllText(state, "{\"version\":1,\"chats\":{\"c1\":{\"lastSeenRowid\":7}},\"config\":{\"log.level\":\"warn\"}}");
        var sources = Sources(dir);
        var change = ConfigStore.Set(sources, ConfigSchema.Find("log.maxFiles")!, 4L, workspace: false);
        Assert.True(change.Changed);
        var text = File.ReadAllText(state);
        Assert.Contains("\"lastSeenRowid\": 7", text, StringComparison.Ordinal);
        Assert.Contains("\"log.level\": \"warn\"", text, StringComparison.Ordinal);
        Assert.False(ConfigStore.Set(sources, ConfigSchema.Find("log.maxFiles")!, "4", workspace: false).Changed);

        File.WriteAllText(state, "{ broken");
        var ex = Assert.Throws<MsgcodeException>(() => ConfigStore.Set(sources, ConfigSchema.Find("log.level")!, "debug", workspace: false));
        Assert.Equal(ErrorIds.ConfigFileCorruptNotRewritten, ex.ErrorId);
        Assert.Equal("{ broken", File.ReadAllText(state));
    }
}
