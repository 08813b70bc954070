using Msgcode.Core.Config;
using Msgcode.Core.Runners;

namespace Msgcode.Core.Tests.Config;

/// <summary>The per-run caches of parsed files: reused while the files are unchanged, never trusted while a file is fresh.</summary>
public class ConfigCacheTests
{
    private static readonly DateTime LongAgo = DateTime.UtcNow.AddMinutes(-10);

    private static void WriteSettled(string path, string text, DateTime? stamp = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, stamp ?? LongAgo); // older than the settle time: its stamp can be trusted
    }

    [Fact]
    public void A_resolved_configuration_is_reused_until_a_file_or_the_environment_changes()
    {
        using var dir = new TempDir();
        var home = new MsgcodeHome(dir.File("home"));
        var env = new Dictionary<string, string>();
        WriteSettled(home.StateFile, "{\"version\":1,\"config\":{\"lmstudio.model\":\"one\"}}");

        var first = ConfigResolver.ResolveCached(new ConfigSources(home, null, env));
        Assert.Same(first, ConfigResolver.ResolveCached(new ConfigSources(home, null, new Dictionary<string, string>(env))));
        Assert.Equal("one", first.GetString("lmstudio.model"));

        WriteSettled(home.StateFile, "{\"version\":1,\"config\":{\"lmstudio.model\":\"two\"}}", LongAgo.AddSeconds(5));
        Assert.Equal("two", ConfigResolver.ResolveCached(new ConfigSources(home, null, env)).GetString("lmstudio.model"));

        WriteSettled(home.EnvFile, "MSGCODE_LMSTUDIO_MODEL=three\n");
        Assert.Equal("three", ConfigResolver.ResolveCached(new ConfigSources(home, null, env)).GetString("lmstudio.model"));

        var changed = new Dictionary<string, string> { ["MSGCODE_LMSTUDIO_MODEL"] = "four" };
        Assert.Equal("four", ConfigResolver.ResolveCached(new ConfigSources(home, null, changed)).GetString("lmstudio.model"));

        var ws = dir.File("ws");
        WriteSettled(ConfigSources.WorkspaceConfigPath(ws), "{\"lmstudio.model\":\"five\"}");
        File.Delete(home.EnvFile);
        Assert.Equal("five", ConfigResolver.ResolveCached(new ConfigSources(home, ws, env)).GetString("lmstudio.model"));
        Assert.Equal("two", ConfigResolver.ResolveCached(new ConfigSources(home, null, env)).GetString("lmstudio.model"));
    }

    [Fact]
    public void A_file_written_just_now_is_read_again_on_every_call()
    {
        using var dir = new TempDir();
        var home = new MsgcodeHome(dir.File("home"));
        Directory.CreateDirectory(home.Path);
        File.WriteAllText(home.StateFile, "{\"version\":1,\"config\":{\"lmstudio.model\":\"one\"}}");
        var env = new Dictionary<string, string>();

        var first = ConfigResolver.ResolveCached(new ConfigSources(home, null, env));
        Assert.NotSame(first, ConfigResolver.ResolveCached(new ConfigSources(home, null, env)));

        // Same length, written within the time stamp's granularity: only a fresh read can see it.
        File.WriteAllText(home.StateFile, "{\"version\":1,\"config\":{\"lmstudio.model\":\"two\"}}");
        Assert.Equal("two", ConfigResolver.ResolveCached(new ConfigSources(home, null, env)).GetString("lmstudio.model"));
    }

    [Fact]
    public void The_capability_registry_is_reused_until_the_user_file_changes()
    {
        using var dir = new TempDir();
        var builtin = dir.File("capabilities.json");
        var user = dir.File("home/capabilities.json");
        WriteSettled(builtin, "{\"version\":1,\"runners\":[{\"kind\":\"shell\",\"description\":\"a shell\",\"builtin\":true,\"risk\":\"low\"}]}");

        var first = CapabilityRegistry.LoadCached(builtin, user);
        Assert.Same(first, CapabilityRegistry.LoadCached(builtin, user));
        Assert.Equal(["shell"], first.Entries.Select(e => e.Kind));

        WriteSettled(user, "{\"version\":1,\"runners\":[{\"kind\":\"echo\",\"description\":\"echo\",\"risk\":\"low\",\"command\":{\"executable\":\"echo\",\"arguments\":[\"{prompt}\"]}}]}");
        var second = CapabilityRegistry.LoadCached(builtin, user);
        Assert.Equal(["shell", "echo"], second.Entries.Select(e => e.Kind));

        var builtins = new Dictionary<string, IRunner> { ["shell"] = new ShellRunner() };
        Assert.Same(RunnerRegistry.FromCached(second, "host", () => builtins), RunnerRegistry.FromCached(second, "host", () => builtins));
        Assert.NotSame(RunnerRegistry.FromCached(first, "host", () => builtins), RunnerRegistry.FromCached(second, "host", () => builtins));
    }
}
