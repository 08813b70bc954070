using System.Text.RegularExpressions;
using Msgcode.Core.Config;

namespace Msgcode.Core.Tests.Config;

/// <summary>
/// Every setting does something, and a test shows it: each key of <see cref="ConfigSchema.Keys"/> has a consumer
/// (its name read in src/, or a {config:key} placeholder in module/capabilities.json) and an entry in
/// <see cref="Proofs"/> naming a test that changes the key and sees the difference. A key added without both, an
/// entry whose test is gone (renamed or deleted), or an entry for a key that no longer exists fails the build.
/// </summary>
public sealed class SettingsConformanceTests
{
    /// <summary>
    /// The key, the test file (relative to tests/), and the test: an xunit method name or a Pester It title as it reads.
    /// <paramref name="AtDefault"/>: the test sees the effect of the key's default value without naming the key (its
    /// file need not mention it).
    /// </summary>
    public sealed record Proof(string Key, string File, string Test, bool AtDefault = false);

    /// <summary>
    /// Keys that have a consumer but no test of their effect yet, each with the reason: debt, listed where the build
    /// shows it, not hidden. An entry here for a key that has a proof, or no longer exists, fails.
    /// </summary>
    public static readonly Dictionary<string, string> Unproven = new(StringComparer.Ordinal)
    {
    };

    /// <summary>The test that proves each setting's effect. Add one when you add a key (see docs/configuration.md and README).</summary>
    public static readonly Proof[] Proofs =
    [
        new("workspace.root", "Pester/Doctor.Tests.ps1", "checks the current folder and the workspaces under workspace.root by default"),
        new("log.level", "Pester/ChatCommands.Tests.ps1", "/loglevel shows and (owner only) sets log.level, in force for the next message"),
        new("log.maxBytes", "Pester/SettingsEffects.Tests.ps1", "rotates the daemon's log at log.maxBytes and keeps log.maxFiles rotated files"),
        new("log.maxFiles", "Pester/SettingsEffects.Tests.ps1", "rotates the daemon's log at log.maxBytes and keeps log.maxFiles rotated files"),
        new("daemon.stopTimeoutSec", "Pester/Queue.Tests.ps1", "drains on stop: a run that outlives the budget is interrupted, none is left running"),
        new("daemon.maxConcurrentRuns", "Pester/Queue.Tests.ps1", "runs isolated runs of one workspace side by side, while its runs in the workspace itself never overlap"),
        new("worktree.maxParallelRuns", "Pester/Queue.Tests.ps1", "runs isolated runs of one workspace side by side, while its runs in the workspace itself never overlap"),
        new("runs.retentionDays", "Pester/SettingsEffects.Tests.ps1", "trims a workspace's run records to runs.retentionDays and runs.retentionCount after a run"),
        new("runs.retentionCount", "Pester/SettingsEffects.Tests.ps1", "trims a workspace's run records to runs.retentionDays and runs.retentionCount after a run"),
        new("runner.default", "Pester/Tasks.Tests.ps1", "uses runner.default of the workspace when no runner is given"),
        new("policy.mode", "Pester/Runners.Tests.ps1", "refuses runners that send data off the machine under local-only, for tasks and one-shot calls, before the CLI starts"),
        new("workspace.trusted", "Pester/Runners.Tests.ps1", "a workspace that points lmstudio.baseUrl elsewhere gets the user's key only once the user trusts it"),
        new("lmstudio.baseUrl", "Pester/Runners.Tests.ps1", "is refused under local-only when its URL leaves the machine, and allowed on loopback"),
        new("lmstudio.model", "Pester/AgentClis.Tests.ps1", "lmstudio records usage and keeps the task's conversation for -Continue"),
        new("lmstudio.apiKey", "Pester/Runners.Tests.ps1", "is probed available, picks the first loaded model for auto, and sends the key and max_tokens"),
        new("lmstudio.timeoutMs", "Pester/Runners.Tests.ps1", "reports an error status, an HTML reply and a reply slower than lmstudio.timeoutMs"),
        new("lmstudio.maxTokens", "Pester/Runners.Tests.ps1", "is probed available, picks the first loaded model for auto, and sends the key and max_tokens"),
        new("claude.permissionMode", "Pester/AgentClis.Tests.ps1", "Claude Code refused edits make the run fail with RunnerEditsRefused, never a silent success"),
        new("tts.backend", "Pester/Runners.Tests.ps1", "names what to install when its backend is missing"),
        new("tts.voice", "Pester/SettingsEffects.Tests.ps1", "speaks with the voice tts.voice names"),
        new("tts.maxChars", "Pester/ChatMedia.Tests.ps1", "speaks at most tts.maxChars characters of an answer when the route replies with audio only"),
        new("agents.maxRetries", "Pester/AgentClis.Tests.ps1", "the real Claude Code asks the model once more per agents.maxRetries after a server error"),
        new("lmstudio.visionModel", "Pester/MediaRunners.Tests.ps1", "the vision runner asks its default question when the prompt is empty, and uses lmstudio.visionModel when it is loaded"),
        new("asr.engine", "Pester/MediaRunners.Tests.ps1", "names what to install when no engine is there, or when whisper is asked for without whisper-cli"),
        new("asr.whisperModel", "Msgcode.Core.Tests/Runners/MediaRunnerLogicTests.cs", "Auto_takes_whisper_only_when_its_model_is_there_else_pocketsphinx"),
        new("asr.maxBytes", "Pester/MediaRunners.Tests.ps1", "bad input: no file, a file that is not audio, a file over asr.maxBytes, and silence each fail with their own ErrorId"),
        new("tasks.maxInputFileBytes", "Pester/MediaRunners.Tests.ps1", "refuses a file that is not there, a folder and a file over tasks.maxInputFileBytes, and makes no task"),
        new("worktree.repository", "Pester/Worktrees.Tests.ps1", "finds the repository at worktree.repository inside the workspace"),
        new("worktree.copyFiles", "Pester/SettingsEffects.Tests.ps1", "copies the files worktree.copyFiles names into a new worktree, and no others"),
        new("worktree.verify", "Pester/Worktrees.Tests.ps1", "runs the verify command in each worktree after its runner and records Verified, VerifyFailed or a timeout on the patch"),
        new("worktree.verifyTimeoutSec", "Pester/Worktrees.Tests.ps1", "runs the verify command in each worktree after its runner and records Verified, VerifyFailed or a timeout on the patch"),
        new("jobs.enabled", "Pester/JobSettings.Tests.ps1", "fires nothing while jobs.enabled is false, says so, and fires again once it is set true, without a restart"),
        new("jobs.missedRunPolicy", "Pester/JobSettings.Tests.ps1", "a job without its own missed-run policy follows jobs.missedRunPolicy when the daemon comes back"),
        new("imsg.path", "Pester/Channel.Tests.ps1", "reports imsg and its version, an empty whitelist, routes to missing workspaces, and the last inbound message"),
        new("whitelist.emails", "Msgcode.Core.Tests/Channels/ChannelPolicyTests.cs", "Only_whitelisted_senders_are_served"),
        new("whitelist.phones", "Msgcode.Core.Tests/Channels/ChannelPolicyTests.cs", "Only_whitelisted_senders_are_served"),
        new("memory.inject", "Pester/Channel.Tests.ps1", "puts the workspace's best memory notes before a chat task's prompt when memory.inject is on"),
        new("memory.injectTop", "Msgcode.Core.Tests/Memory/MemoryStoreTests.cs", "Injection_is_off_by_default_and_follows_the_workspace_settings"),
        new("memory.injectMaxChars", "Msgcode.Core.Tests/Memory/MemoryStoreTests.cs", "Injection_is_off_by_default_and_follows_the_workspace_settings"),
        new("whitelist.owners", "Msgcode.Core.Tests/Channels/ChannelPolicyTests.cs", "Owner_only_mode_limits_groups_to_the_owners"),
        new("channel.ownerOnlyInGroup", "Pester/ChatCommands.Tests.ps1", "/owner-only on|off (owner only): in groups only the owners are served, at once"),
        new("channel.ackDelayMs", "Pester/Channel.Tests.ps1", "answers read-only commands at once while the lane is busy, acknowledges a long run once, and /stop cancels it"),
        new("channel.attachmentsRoot", "Pester/ChatMedia.Tests.ps1", "answers every attachment it cannot use with the reason, makes no task for it, and serves the next message"),
        new("channel.maxAttachmentBytes", "Pester/ChatMedia.Tests.ps1", "answers every attachment it cannot use with the reason, makes no task for it, and serves the next message", AtDefault: true),
    ];

    [Fact]
    public void Every_setting_has_a_consumer_and_a_test_that_proves_its_effect()
    {
        var problems = SettingsConformance.Problems(ConfigSchema.Keys.Where(k => !Unproven.ContainsKey(k.Name)), Proofs, SettingsConformance.RepositoryRoot());
        Assert.True(problems.Count == 0, "Settings conformance (docs/configuration.md):\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Unproven_keys_are_keys_without_a_proof()
    {
        foreach (var (key, reason) in Unproven)
        {
            Assert.True(ConfigSchema.Find(key) is not null, $"{key} is in Unproven but is not a key of ConfigSchema; remove it.");
            Assert.False(Proofs.Any(p => p.Key == key), $"{key} has a proof now; remove it from Unproven.");
            Assert.False(string.IsNullOrWhiteSpace(reason));
        }
    }

    [Fact]
    public void A_key_without_a_consumer_or_a_proof_and_a_proof_without_its_test_or_key_fail()
    {
        var root = SettingsConformance.RepositoryRoot();
        var keys = ConfigSchema.Keys.Append(new ConfigKey
        {
            Name = "nobody.reads", EnvironmentVariable = "MSGCODE_NOBODY_READS", Type = ConfigValueType.Boolean, Default = false, Description = "Nothing.",
        }).ToList();
        var proofs = Proofs
            .Where(p => p.Key != "log.level")
            .Append(new Proof("gone.key", "Pester/Config.Tests.ps1", "converts typed and text values"))
            .Append(new Proof("tts.voice", "Pester/Runners.Tests.ps1", "a test nobody wrote"))
            .Append(new Proof("tts.backend", "Msgcode.Core.Tests/Config/ConfigResolverTests.cs", "No_such_method"))
            .Append(new Proof("jobs.enabled", "Pester/Memory.Tests.ps1", "declares the workspace-scoped injection keys with their defaults"))
            .ToList();

        var problems = SettingsConformance.Problems(keys, proofs, root);

        Assert.Contains(problems, p => p.StartsWith("nobody.reads: nothing in src/ or module/capabilities.json reads it", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("nobody.reads: no test proves its effect", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("log.level: no test proves its effect", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("gone.key: not a key of ConfigSchema", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("tts.voice: Pester/Runners.Tests.ps1 has no test 'a test nobody wrote'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("tts.backend: Msgcode.Core.Tests/Config/ConfigResolverTests.cs has no test 'No_such_method'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("jobs.enabled: Pester/Memory.Tests.ps1 never mentions jobs.enabled", StringComparison.Ordinal));
    }

    [Fact]
    public void Pester_titles_are_read_as_PowerShell_reads_them()
    {
        const string text = "Describe 'x' {\n    It 'keeps the user''s key' {\n    }\n    It \"puts the workspace's notes\" -Skip:$true {\n    }\n    It 'runs (<Stage>)' -ForEach @() {\n    }\n}\n";
        var titles = SettingsConformance.PesterTitles(text);
        Assert.Equal(["keeps the user's key", "puts the workspace's notes", "runs (<Stage>)"], titles);
    }
}

/// <summary>The checks behind <see cref="SettingsConformanceTests"/>, apart so a test can feed them a key nobody reads.</summary>
internal static class SettingsConformance
{
    private static readonly Regex PesterIt = new(@"^\s*It\s+('(?:[^']|'')*'|""(?:[^""`]|`.)*"")", RegexOptions.Multiline | RegexOptions.CultureInvariant);

    public static string RepositoryRoot()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Msgcode.PowerShell.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }

        return root;
    }

    public static List<string> Problems(IEnumerable<ConfigKey> keys, IEnumerable<SettingsConformanceTests.Proof> proofs, string root)
    {
        var problems = new List<string>();
        var byName = keys.ToDictionary(k => k.Name, StringComparer.Ordinal);
        var proofList = proofs.ToList();
        var consumers = Consumers(root);
        foreach (var key in byName.Values)
        {
            if (!consumers.Any(text => text.Contains($"\"{key.Name}\"", StringComparison.Ordinal) || text.Contains($"{{config:{key.Name}}}", StringComparison.Ordinal)))
            {
                problems.Add($"{key.Name}: nothing in src/ or module/capabilities.json reads it. Make something use it, or remove the key.");
            }

            if (!proofList.Any(p => p.Key == key.Name))
            {
                problems.Add($"{key.Name}: no test proves its effect. Write one that sets it and sees the difference, and add it to SettingsConformanceTests.Proofs.");
            }
        }

        foreach (var proof in proofList)
        {
            if (!byName.TryGetValue(proof.Key, out var key))
            {
                problems.Add($"{proof.Key}: not a key of ConfigSchema; remove its entry from SettingsConformanceTests.Proofs.");
                continue;
            }

            var path = Path.Combine(root, "tests", proof.File.Replace('/', Path.DirectorySeparatorChar));
            var text = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
            var exists = proof.File.EndsWith(".ps1", StringComparison.Ordinal)
                ? PesterTitles(text).Contains(proof.Test, StringComparer.Ordinal)
                : Regex.IsMatch(text, $@"\[(Fact|SkippableFact|Theory)\b[^\]]*\]\s*(\[[^\]]*\]\s*)*public\s+(async\s+)?(void|Task)\s+{Regex.Escape(proof.Test)}\s*\(", RegexOptions.CultureInvariant);
            if (!exists)
            {
                problems.Add($"{proof.Key}: {proof.File} has no test '{proof.Test}' (renamed or removed?); name the test that proves its effect.");
            }
            else if (!proof.AtDefault && !text.Contains(key.Name, StringComparison.Ordinal) && !text.Contains(key.EnvironmentVariable, StringComparison.Ordinal))
            {
                problems.Add($"{proof.Key}: {proof.File} never mentions {key.Name} or {key.EnvironmentVariable}, so its test cannot be setting it.");
            }
        }

        return problems;
    }

    /// <summary>The titles of a Pester file's It blocks, unquoted as PowerShell reads them ('' is ', `x is x).</summary>
    public static List<string> PesterTitles(string text)
        => PesterIt.Matches(text).Select(m => m.Groups[1].Value).Select(q => q[0] == '\''
            ? q[1..^1].Replace("''", "'", StringComparison.Ordinal)
            : Regex.Replace(q[1..^1], "`(.)", "$1")).ToList();

    /// <summary>The text of every file that may read a key: Core and the cmdlets (except the schema itself), and the built-in registry.</summary>
    private static List<string> Consumers(string root)
        => Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && Path.GetFileName(f) != "ConfigSchema.cs")
            .Append(Path.Combine(root, "module", "capabilities.json"))
            .Select(File.ReadAllText)
            .ToList();
}
