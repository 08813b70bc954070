using System.Text.RegularExpressions;

namespace Msgcode.Core.Config;

/// <summary>
/// Every configuration key msgcode knows, declared exactly once. Every environment variable begins with MSGCODE_,
/// so another program's LOG_LEVEL or WORKSPACE_ROOT is never taken for msgcode's. Where the original msgcode had a
/// name (LOG_LEVEL, LMSTUDIO_*, IMSG_PATH, MY_EMAIL, MY_PHONE, WORKSPACE_ROOT, TTS_*, MEMORY_INJECT_*), the new name is
/// that name behind MSGCODE_, and the old one is read as a legacy fallback (see <see cref="ConfigKey.LegacyEnvironmentVariable"/>).
/// </summary>
public static class ConfigSchema
{
    private static readonly Regex RunnerKindPattern = new("^[a-z][a-z0-9-]{0,63}$", RegexOptions.CultureInvariant);

    public static IReadOnlyList<ConfigKey> Keys { get; } =
    [
        new() { Name = "workspace.root", EnvironmentVariable = "MSGCODE_WORKSPACE_ROOT", LegacyEnvironmentVariable = "WORKSPACE_ROOT", Type = ConfigValueType.Path, Default = "~/msgcode-workspaces",
            Description = "Folder under which chat-bound workspaces are created (/bind paths are relative to it)." },
        new() { Name = "log.level", EnvironmentVariable = "MSGCODE_LOG_LEVEL", LegacyEnvironmentVariable = "LOG_LEVEL", Type = ConfigValueType.Enum, Default = "info", AllowedValues = ["debug", "info", "warn", "error"],
            Description = "Lowest level written to the daemon's log." },
        new() { Name = "log.maxBytes", EnvironmentVariable = "MSGCODE_LOG_MAX_BYTES", Type = ConfigValueType.Integer, Default = 10L * 1024 * 1024, Minimum = 4096, Maximum = 1L << 40,
            Description = "Size at which the log file is rotated." },
        new() { Name = "log.maxFiles", EnvironmentVariable = "MSGCODE_LOG_MAX_FILES", Type = ConfigValueType.Integer, Default = 3L, Minimum = 1, Maximum = 100,
            Description = "Rotated log files kept besides the current one." },
        new() { Name = "daemon.stopTimeoutSec", EnvironmentVariable = "MSGCODE_DAEMON_STOP_TIMEOUT_SEC", Type = ConfigValueType.Integer, Default = 30L, Minimum = 1, Maximum = 3600,
            Description = "Seconds the daemon may spend draining in-flight work on stop before it is killed." },
        new() { Name = "daemon.maxConcurrentRuns", EnvironmentVariable = "MSGCODE_DAEMON_MAX_CONCURRENT_RUNS", Type = ConfigValueType.Integer, Default = 2L, Minimum = 1, Maximum = 64,
            Description = "Runs the daemon executes at once across all workspaces (each workspace's runs in the workspace itself are serial)." },
        new() { Name = "worktree.maxParallelRuns", EnvironmentVariable = "MSGCODE_WORKTREE_MAX_PARALLEL_RUNS", Type = ConfigValueType.Integer, Default = 0L, Minimum = 0, Maximum = 64,
            Description = "Runs isolated in worktrees (-Worktree) that one workspace runs at once, within daemon.maxConcurrentRuns (0: one per core)." },
        new() { Name = "runs.retentionDays", EnvironmentVariable = "MSGCODE_RUNS_RETENTION_DAYS", Type = ConfigValueType.Integer, Default = 30L, Minimum = 0, Maximum = 36500,
            Description = "Run records older than this many days are trimmed from runs.jsonl (0 keeps them forever)." },
        new() { Name = "runs.retentionCount", EnvironmentVariable = "MSGCODE_RUNS_RETENTION_COUNT", Type = ConfigValueType.Integer, Default = 10000L, Minimum = 0, Maximum = 100_000_000,
            Description = "At most this many run records are kept per workspace (0 keeps them all)." },
        new() { Name = "runner.default", EnvironmentVariable = "MSGCODE_RUNNER_DEFAULT", Type = ConfigValueType.String, Default = "lmstudio", AllowedPattern = RunnerKindPattern, WorkspaceScoped = true,
            Description = "Runner kind used when a task names none." },
        new() { Name = "policy.mode", EnvironmentVariable = "MSGCODE_POLICY_MODE", Type = ConfigValueType.Enum, Default = "egress-allowed", AllowedValues = ["local-only", "egress-allowed"], WorkspaceScoped = true,
            WorkspaceTightenOnly = ["local-only", "egress-allowed"],
            Description = "local-only refuses runners that send data off this machine. A workspace may only tighten it." },
        new() { Name = "workspace.trusted", EnvironmentVariable = "MSGCODE_WORKSPACE_TRUSTED", Type = ConfigValueType.StringList, Default = Array.Empty<string>(),
            Description = "Workspaces (full paths) whose .msgcode/config.json may point an endpoint such as lmstudio.baseUrl elsewhere and still be sent your secrets." },
        new() { Name = "lmstudio.baseUrl", EnvironmentVariable = "MSGCODE_LMSTUDIO_BASE_URL", LegacyEnvironmentVariable = "LMSTUDIO_BASE_URL", Type = ConfigValueType.Url, Default = "http://127.0.0.1:1234", WorkspaceScoped = true, Endpoint = true,
            Description = "Base URL of the LM Studio (OpenAI-compatible) server." },
        new() { Name = "lmstudio.model", EnvironmentVariable = "MSGCODE_LMSTUDIO_MODEL", LegacyEnvironmentVariable = "LMSTUDIO_MODEL", Type = ConfigValueType.String, Default = "auto", WorkspaceScoped = true,
            Description = "Model id, or auto for the first loaded model." },
        new() { Name = "lmstudio.apiKey", EnvironmentVariable = "MSGCODE_LMSTUDIO_API_KEY", LegacyEnvironmentVariable = "LMSTUDIO_API_KEY", Type = ConfigValueType.String, Default = null, Secret = true, WorkspaceScoped = true,
            Description = "API key sent to LM Studio as a bearer token." },
        new() { Name = "lmstudio.timeoutMs", EnvironmentVariable = "MSGCODE_LMSTUDIO_TIMEOUT_MS", LegacyEnvironmentVariable = "LMSTUDIO_TIMEOUT_MS", Type = ConfigValueType.Integer, Default = 120000L, Minimum = 100, Maximum = 3_600_000, WorkspaceScoped = true,
            Description = "Milliseconds to wait for one LM Studio reply." },
        new() { Name = "lmstudio.maxTokens", EnvironmentVariable = "MSGCODE_LMSTUDIO_MAX_TOKENS", LegacyEnvironmentVariable = "LMSTUDIO_MAX_TOKENS", Type = ConfigValueType.Integer, Default = 4000L, Minimum = 1, Maximum = 1_000_000, WorkspaceScoped = true,
            Description = "max_tokens sent with each LM Studio request." },
        new() { Name = "claude.permissionMode", EnvironmentVariable = "MSGCODE_CLAUDE_PERMISSION_MODE", Type = ConfigValueType.Enum, Default = "acceptEdits",
            AllowedValues = ["acceptEdits", "default", "plan", "bypassPermissions"],
            Description = "Claude Code's --permission-mode for headless runs: acceptEdits lets it edit files in its folder; default refuses every edit; bypassPermissions is refused when run as root." },
        new() { Name = "agents.maxRetries", EnvironmentVariable = "MSGCODE_AGENTS_MAX_RETRIES", Type = ConfigValueType.Integer, Default = 2L, Minimum = 0, Maximum = 20,
            Description = "How often an agent CLI (claude, codex) retries a failed model request before the run fails." },
        new() { Name = "tts.backend", EnvironmentVariable = "MSGCODE_TTS_BACKEND", LegacyEnvironmentVariable = "TTS_BACKEND", Type = ConfigValueType.Enum, Default = "auto", AllowedValues = ["auto", "say", "espeak-ng"], WorkspaceScoped = true,
            Description = "Speech engine: say on macOS, espeak-ng on Linux, auto picks the platform's." },
        new() { Name = "tts.voice", EnvironmentVariable = "MSGCODE_TTS_VOICE", LegacyEnvironmentVariable = "TTS_VOICE", Type = ConfigValueType.String, Default = null, WorkspaceScoped = true,
            Description = "Voice name passed to the speech engine (its default when unset)." },
        new() { Name = "lmstudio.visionModel", EnvironmentVariable = "MSGCODE_LMSTUDIO_VISION_MODEL", LegacyEnvironmentVariable = "LMSTUDIO_VISION_MODEL", Type = ConfigValueType.String, Default = "auto", WorkspaceScoped = true,
            Description = "Model that reads images (a task's picture files, the vision runner), or auto for a loaded vision model (LM Studio lists it as type vlm)." },
        new() { Name = "asr.engine", EnvironmentVariable = "MSGCODE_ASR_ENGINE", Type = ConfigValueType.Enum, Default = "auto", AllowedValues = ["auto", "whisper", "pocketsphinx"], WorkspaceScoped = true,
            Description = "Speech-to-text engine of the asr runner: whisper (whisper.cpp's whisper-cli with asr.whisperModel), pocketsphinx (Linux), auto: whisper when it is set up, else pocketsphinx." },
        new() { Name = "asr.whisperModel", EnvironmentVariable = "MSGCODE_ASR_WHISPER_MODEL", Type = ConfigValueType.Path, Default = null, WorkspaceScoped = true,
            Description = "The ggml model file whisper-cli reads (e.g. ggml-base.en.bin); without it auto uses pocketsphinx." },
        new() { Name = "asr.maxBytes", EnvironmentVariable = "MSGCODE_ASR_MAX_BYTES", Type = ConfigValueType.Integer, Default = 25L * 1024 * 1024, Minimum = 1024, Maximum = 1L << 40, WorkspaceScoped = true,
            Description = "Largest audio file the asr runner transcribes; a larger one is refused before any work." },
        new() { Name = "tasks.maxInputFileBytes", EnvironmentVariable = "MSGCODE_TASKS_MAX_INPUT_FILE_BYTES", Type = ConfigValueType.Integer, Default = 100L * 1024 * 1024, Minimum = 1, Maximum = 1L << 40, WorkspaceScoped = true,
            Description = "Largest file a task takes as input (New-MsgcodeTask -File, a chat attachment); it is copied into tasks/inputs/<taskId>." },
        new() { Name = "worktree.repository", EnvironmentVariable = "MSGCODE_WORKTREE_REPOSITORY", Type = ConfigValueType.String, Default = ".", WorkspaceScoped = true,
            Description = "The git repository that -Worktree runs branch from, relative to the workspace (. is the workspace itself)." },
        new() { Name = "worktree.copyFiles", EnvironmentVariable = "MSGCODE_WORKTREE_COPY_FILES", Type = ConfigValueType.StringList, Default = new[] { ".env" }, WorkspaceScoped = true,
            Description = "Untracked files (names or globs relative to the repository) copied into each new task worktree; they never enter its patch." },
        new() { Name = "worktree.verify", EnvironmentVariable = "MSGCODE_WORKTREE_VERIFY", Type = ConfigValueType.String, Default = "", WorkspaceScoped = true,
            Description = "A command (for the platform's shell) run in each worktree after its runner, such as 'dotnet test': exit code 0 marks the patch Verified, anything else VerifyFailed." },
        new() { Name = "worktree.verifyTimeoutSec", EnvironmentVariable = "MSGCODE_WORKTREE_VERIFY_TIMEOUT_SEC", Type = ConfigValueType.Integer, Default = 600L, Minimum = 1, Maximum = 86400, WorkspaceScoped = true,
            Description = "Seconds the verify command may run before it is stopped with its children (and the patch is VerifyFailed)." },
        new() { Name = "jobs.enabled", EnvironmentVariable = "MSGCODE_JOBS_ENABLED", Type = ConfigValueType.Boolean, Default = true,
            Description = "Whether the daemon runs scheduled jobs." },
        new() { Name = "jobs.missedRunPolicy", EnvironmentVariable = "MSGCODE_JOBS_MISSED_RUN_POLICY", Type = ConfigValueType.Enum, Default = "run-once", AllowedValues = ["skip", "run-once", "run-all"],
            Description = "What a job does about runs missed while the daemon was down, unless the job says otherwise." },
        new() { Name = "imsg.path", EnvironmentVariable = "MSGCODE_IMSG_PATH", LegacyEnvironmentVariable = "IMSG_PATH", Type = ConfigValueType.Path, Default = null,
            Description = "Path of the imsg executable that connects msgcode to iMessage." },
        new() { Name = "whitelist.emails", EnvironmentVariable = "MSGCODE_MY_EMAIL", LegacyEnvironmentVariable = "MY_EMAIL", Type = ConfigValueType.StringList, Default = Array.Empty<string>(),
            Description = "Sender e-mail handles that msgcode serves." },
        new() { Name = "whitelist.phones", EnvironmentVariable = "MSGCODE_MY_PHONE", LegacyEnvironmentVariable = "MY_PHONE", Type = ConfigValueType.StringList, Default = Array.Empty<string>(),
            Description = "Sender phone handles that msgcode serves. Write them with their country code (+1 555 123 4567): one written without it (a national number) matches that number under any country code of 1-3 digits." },
        new() { Name = "memory.inject", EnvironmentVariable = "MSGCODE_MEMORY_INJECT_ENABLED", LegacyEnvironmentVariable = "MEMORY_INJECT_ENABLED", Type = ConfigValueType.Boolean, Default = false, WorkspaceScoped = true,
            Description = "Whether the best-matching notes of the workspace's memory are put before a chat task's prompt." },
        new() { Name = "memory.injectTop", EnvironmentVariable = "MSGCODE_MEMORY_INJECT_TOPK", LegacyEnvironmentVariable = "MEMORY_INJECT_TOPK", Type = ConfigValueType.Integer, Default = 3L, Minimum = 1, Maximum = 50, WorkspaceScoped = true,
            Description = "How many memory notes are put before a chat task's prompt at most." },
        new() { Name = "memory.injectMaxChars", EnvironmentVariable = "MSGCODE_MEMORY_INJECT_MAX_CHARS", LegacyEnvironmentVariable = "MEMORY_INJECT_MAX_CHARS", Type = ConfigValueType.Integer, Default = 2000L, Minimum = 100, Maximum = 100_000, WorkspaceScoped = true,
            Description = "Characters of memory put before a chat task's prompt at most." },
        new() { Name = "whitelist.owners", EnvironmentVariable = "MSGCODE_OWNER", Type = ConfigValueType.StringList, Default = Array.Empty<string>(),
            Description = "Owner handles (e-mail or phone): the only senders served in group chats when channel.ownerOnlyInGroup is on." },
        new() { Name = "channel.ownerOnlyInGroup", EnvironmentVariable = "MSGCODE_OWNER_ONLY_IN_GROUP", Type = ConfigValueType.Boolean, Default = false,
            Description = "In group chats, serve only the owners (whitelist.owners), not every whitelisted sender." },
        new() { Name = "channel.ackDelayMs", EnvironmentVariable = "MSGCODE_ACK_DELAY_MS", Type = ConfigValueType.Integer, Default = 15000L, Minimum = -1, Maximum = 3_600_000,
            Description = "Milliseconds a chat task may run before one \"working on it\" message is sent (0 at once, -1 never)." },
        new() { Name = "channel.attachmentsRoot", EnvironmentVariable = "MSGCODE_ATTACHMENTS_ROOT", Type = ConfigValueType.Path, Default = "~/Library/Messages/Attachments",
            Description = "The folder where Messages keeps attachments: a message's attachment elsewhere (a link out of it included) is refused." },
        new() { Name = "channel.maxAttachmentBytes", EnvironmentVariable = "MSGCODE_MAX_ATTACHMENT_BYTES", Type = ConfigValueType.Integer, Default = 100L * 1024 * 1024, Minimum = 1, Maximum = 1L << 40,
            Description = "The largest attachment a chat message may bring (a larger one is refused with an answer)." },
        new() { Name = "tts.maxChars", EnvironmentVariable = "MSGCODE_TTS_MAX_CHARS", Type = ConfigValueType.Integer, Default = 1000L, Minimum = 1, Maximum = 100_000, WorkspaceScoped = true,
            Description = "Characters of an answer spoken at most when a chat's route replies with audio (the rest is cut with an ellipsis)." },
    ];

    private static readonly Dictionary<string, ConfigKey> ByName = Keys.ToDictionary(k => k.Name, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, ConfigKey> ByVariable = Keys
        .SelectMany(k => new[] { k.EnvironmentVariable, k.LegacyEnvironmentVariable }.OfType<string>().Select(name => (Name: name, Key: k)))
        .ToDictionary(p => p.Name, p => p.Key, StringComparer.Ordinal);

    public static ConfigKey? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The key an environment variable sets: by its MSGCODE_ name or its legacy name.</summary>
    public static ConfigKey? FindByEnvironmentVariable(string variable) => ByVariable.GetValueOrDefault(variable);

    /// <summary>Variables that belong to msgcode but are not keys (they are read before any config).</summary>
    public static IReadOnlySet<string> ReservedVariables { get; } = new HashSet<string>(StringComparer.Ordinal) { MsgcodeHome.HomeVariable };
}
