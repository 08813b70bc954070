using System.Diagnostics;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Runners;

/// <summary>
/// Speech to text: the run's first input file (a voice note) becomes its transcript, the run's output and an
/// answer.txt artifact. Audio that is not 16 kHz mono 16-bit WAV already (iMessage's .caf/.m4a, espeak-ng's 22 kHz)
/// is converted by one ffmpeg call; then the engine (<see cref="AsrEngine"/>) runs once. Nothing else is started, so
/// the run takes little more than the engine's own time. The payload is not used.
/// </summary>
public sealed class AsrRunner : IRunner
{
    public const string FfmpegHint = "Install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg).";

    private readonly MsgcodeHome _home;

    public AsrRunner(MsgcodeHome home)
    {
        _home = home;
    }

    public string Kind => "asr";

    public async Task<RunnerResult> RunAsync(RunnerRequest request, CancellationToken cancellationToken)
    {
        var config = ConfigResolver.ResolveCached(new ConfigSources(_home, Directory.Exists(request.WorkspacePath) ? request.WorkspacePath : null));
        if (request.Files.Count == 0)
        {
            return Failed(ErrorIds.RunnerInputMissing, "The asr runner transcribes an audio file, and none was given. Pass one: Invoke-MsgcodeRunner asr -File note.m4a, or New-MsgcodeTask -Runner asr -File note.m4a.");
        }

        var audio = request.Files[0];
        var info = new FileInfo(audio);
        if (!info.Exists)
        {
            return Failed(ErrorIds.RunnerInputMissing, $"The audio file '{audio}' does not exist.");
        }

        var maxBytes = config.GetInt64("asr.maxBytes");
        if (info.Length > maxBytes)
        {
            return Failed(ErrorIds.RunnerInputTooLarge, $"The audio file '{audio}' has {info.Length:N0} bytes, more than asr.maxBytes ({maxBytes:N0}); it was not transcribed. Send a shorter recording, or raise asr.maxBytes.");
        }

        var (engine, unavailable) = AsrEngine.Choose(config);
        if (engine is null)
        {
            return unavailable!;
        }

        Directory.CreateDirectory(request.ArtifactDirectory);
        var wav = audio;
        var artifacts = new List<string>();
        if (!WavFormat.IsSpeechReady(audio))
        {
            var converted = await ConvertAsync(audio, request, cancellationToken).ConfigureAwait(false);
            if (converted.Failure is { } failure)
            {
                return failure;
            }

            wav = converted.Wav!;
            artifacts.Add(wav);
        }

        var start = new ProcessStartInfo(engine.Executable);
        foreach (var argument in engine.Arguments(wav))
        {
            start.ArgumentList.Add(argument);
        }

        var result = await ProcessExecution.RunAsync(start, request, standardInput: null, cancellationToken).ConfigureAwait(false);
        if (result.Status != RunStatuses.Succeeded)
        {
            return result with
            {
                Artifacts = [.. artifacts, .. result.Artifacts],
                ErrorMessage = result.ErrorCode == ErrorIds.RunnerFailed
                    ? $"{engine.Name} could not transcribe '{audio}': {result.ErrorMessage}{(engine.Name == AsrEngine.Pocketsphinx ? " Is its model installed (sudo apt-get install pocketsphinx-en-us)?" : string.Empty)}"
                    : result.ErrorMessage,
            };
        }

        var transcript = AsrEngine.Transcript(result.Output);
        if (transcript.Length == 0)
        {
            return result with
            {
                Status = RunStatuses.Failed,
                ErrorCode = ErrorIds.AsrTranscriptEmpty,
                ErrorMessage = $"No words were heard in '{audio}' ({engine.Name}). Speak closer to the microphone, or send the request as text.",
                Output = string.Empty,
                Artifacts = [.. artifacts, .. result.Artifacts],
            };
        }

        var answer = Path.Combine(request.ArtifactDirectory, "answer.txt");
        AtomicFile.WriteAllText(answer, transcript, new AtomicWriteOptions { Fsync = false }); // the run's ledger record is the durable part
        var cut = transcript.Length > request.Constraints.MaxOutputBytes;
        return result with
        {
            Output = cut ? transcript[..(int)request.Constraints.MaxOutputBytes] : transcript,
            OutputTruncated = cut,
            Artifacts = [answer, .. artifacts, .. result.Artifacts],
        };
    }

    /// <summary>One ffmpeg call: any audio ffmpeg reads → speech.wav (16 kHz, mono, 16-bit PCM) in the run's artifacts.</summary>
    private static async Task<(string? Wav, RunnerResult? Failure)> ConvertAsync(string audio, RunnerRequest request, CancellationToken cancellationToken)
    {
        if (ExecutableLocator.Find("ffmpeg") is not { } ffmpeg)
        {
            return (null, Failed(ErrorIds.RunnerUnavailable, $"'{audio}' must be converted to 16 kHz mono WAV first, and 'ffmpeg' is not on PATH. {FfmpegHint}"));
        }

        var wav = Path.Combine(request.ArtifactDirectory, "speech-16k.wav");
        var start = new ProcessStartInfo(ffmpeg);
        foreach (var argument in new[] { "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", audio, "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", "-f", "wav", wav })
        {
            start.ArgumentList.Add(argument);
        }

        var result = await ProcessExecution.RunAsync(start, request, standardInput: null, cancellationToken, outputName: "ffmpeg.txt").ConfigureAwait(false);
        if (result.Status == RunStatuses.Succeeded && File.Exists(wav))
        {
            return (wav, null);
        }

        return (null, result.ErrorCode == ErrorIds.RunnerFailed || result.Status == RunStatuses.Succeeded
            ? result with
            {
                Status = RunStatuses.Failed,
                ErrorCode = ErrorIds.AudioConversionFailed,
                ErrorMessage = $"'{audio}' could not be read as audio (ffmpeg: {result.ErrorMessage ?? "no output"}). Send a voice note or an audio file (wav, m4a, caf, mp3, ogg).",
            }
            : result);
    }

    private static RunnerResult Failed(string code, string message) => new() { Status = RunStatuses.Failed, ErrorCode = code, ErrorMessage = message };
}
