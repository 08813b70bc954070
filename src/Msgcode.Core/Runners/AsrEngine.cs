using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Runners;

/// <summary>
/// The speech-to-text engine the asr runner uses: whisper.cpp's <c>whisper-cli</c> with a ggml model
/// (<c>asr.whisperModel</c>) where it is set up, else Debian's <c>pocketsphinx_continuous</c> with its en-us model;
/// <c>asr.engine</c> names one outright.
/// </summary>
public sealed record AsrEngine(string Name, string Executable, string? Model)
{
    public const string Whisper = "whisper";
    public const string Pocketsphinx = "pocketsphinx";
    public const string WhisperProgram = "whisper-cli";
    public const string PocketsphinxProgram = "pocketsphinx_continuous";

    public const string WhisperHint = "Install whisper.cpp (macOS: brew install whisper-cpp; Linux: build it, or use pocketsphinx) and set asr.whisperModel to a ggml model file, e.g. ggml-base.en.bin.";
    public const string PocketsphinxHint = "Linux: sudo apt-get install pocketsphinx pocketsphinx-en-us (or set up whisper.cpp: asr.engine whisper, asr.whisperModel).";

    /// <summary>The engine for this configuration, or a RunnerUnavailable failure that says what to install or set.</summary>
    public static (AsrEngine? Engine, RunnerResult? Failure) Choose(ConfigReport config, Func<string, string?>? find = null)
    {
        find ??= ExecutableLocator.Find;
        var wanted = config.GetString("asr.engine") ?? "auto";
        var model = config.GetString("asr.whisperModel") is { Length: > 0 } m ? ExpandHome(m) : null;
        var whisper = wanted is "auto" or Whisper ? find(WhisperProgram) : null;
        if (wanted is "auto" or Whisper && whisper is not null && model is not null && File.Exists(model))
        {
            return (new AsrEngine(Whisper, whisper, model), null);
        }

        if (wanted == Whisper)
        {
            return (null, Unavailable(whisper is null
                ? $"The asr runner's engine is whisper (asr.engine), and '{WhisperProgram}' is not on PATH. {WhisperHint}"
                : model is null
                    ? $"The asr runner's whisper engine needs a model: set asr.whisperModel to a ggml model file (Set-MsgcodeConfig asr.whisperModel ~/models/ggml-base.en.bin)."
                    : $"The whisper model '{model}' (asr.whisperModel) does not exist. Download a ggml model there, or point asr.whisperModel at one."));
        }

        if (find(PocketsphinxProgram) is { } sphinx)
        {
            return (new AsrEngine(Pocketsphinx, sphinx, null), null);
        }

        return (null, Unavailable(wanted == Pocketsphinx
            ? $"The asr runner's engine is pocketsphinx (asr.engine), and '{PocketsphinxProgram}' is not on PATH. {PocketsphinxHint}"
            : whisper is not null
                ? $"'{WhisperProgram}' is installed but asr.whisperModel names no model file (now: {model ?? "unset"}), and pocketsphinx is not installed. Set asr.whisperModel to a ggml model file."
                : $"The asr runner needs a speech engine: neither '{WhisperProgram}' nor '{PocketsphinxProgram}' is on PATH. {WhisperHint} {PocketsphinxHint}"));
    }

    /// <summary>The program the probe looks for under this configuration (for the registry's {asr:executable}).</summary>
    public static string ProgramFor(ConfigReport config)
    {
        var (engine, _) = Choose(config);
        return engine is not null ? Path.GetFileName(engine.Executable)
            : config.GetString("asr.engine") == Whisper || (config.GetString("asr.engine") != Pocketsphinx && OperatingSystem.IsMacOS()) ? WhisperProgram : PocketsphinxProgram;
    }

    /// <summary>The engine's arguments for a 16 kHz mono WAV: it prints the transcript on stdout and nothing else.</summary>
    public IReadOnlyList<string> Arguments(string wav) => Name == Whisper
        ? ["-m", Model!, "-f", wav, "-nt", "-np"] // no timestamps, no progress or system info
        : ["-infile", wav, "-logfn", OperatingSystem.IsWindows() ? "NUL" : "/dev/null"]; // the log would otherwise fill stderr

    /// <summary>The transcript in an engine's output: its lines (one an utterance) joined by spaces.</summary>
    public static string Transcript(string output)
        => string.Join(' ', output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !(line.StartsWith('[') && line.EndsWith(']')))); // whisper's [BLANK_AUDIO], [MUSIC]: no words

    private static RunnerResult Unavailable(string message) => new() { Status = RunStatuses.Failed, ErrorCode = ErrorIds.RunnerUnavailable, ErrorMessage = message };

    private static string ExpandHome(string path)
        => path == "~" || path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~').TrimStart('/')) : path;
}
