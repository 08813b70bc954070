using System.Diagnostics;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;

namespace Msgcode.Core.Runners;

/// <summary>
/// Text to speech: the payload becomes an audio artifact. <c>say</c> on macOS (AIFF), <c>espeak-ng</c> on
/// Linux (WAV); <c>tts.backend</c> picks one explicitly and <c>tts.voice</c> names the voice.
/// </summary>
public sealed class TtsRunner : IRunner
{
    private readonly MsgcodeHome _home;

    public TtsRunner(MsgcodeHome home)
    {
        _home = home;
    }

    public string Kind => "tts";

    public async Task<RunnerResult> RunAsync(RunnerRequest request, CancellationToken cancellationToken)
    {
        var config = ConfigResolver.Resolve(new ConfigSources(_home, Directory.Exists(request.WorkspacePath) ? request.WorkspacePath : null));
        var backend = config.GetString("tts.backend") ?? "auto";
        if (backend == "auto")
        {
            backend = OperatingSystem.IsMacOS() ? "say" : "espeak-ng";
        }

        var executable = ExecutableLocator.Find(backend);
        if (executable is null)
        {
            return new RunnerResult
            {
                Status = RunStatuses.Failed,
                ErrorCode = ErrorIds.RunnerUnavailable,
                ErrorMessage = backend == "say"
                    ? "The tts runner needs 'say', which ships with macOS."
                    : "The tts runner needs 'espeak-ng' (Debian/Ubuntu: sudo apt-get install espeak-ng), or set tts.backend.",
            };
        }

        Directory.CreateDirectory(request.ArtifactDirectory);
        var audio = Path.Combine(request.ArtifactDirectory, backend == "say" ? "speech.aiff" : "speech.wav");
        var voice = config.GetString("tts.voice");
        var info = new ProcessStartInfo(executable);
        if (backend == "say")
        {
            info.ArgumentList.Add("-o");
            info.ArgumentList.Add(audio);
            if (!string.IsNullOrEmpty(voice))
            {
                info.ArgumentList.Add("-v");
                info.ArgumentList.Add(voice);
            }

            info.ArgumentList.Add("-f");
            info.ArgumentList.Add("-"); // the text on stdin: never on a command line
        }
        else
        {
            info.ArgumentList.Add("-w");
            info.ArgumentList.Add(audio);
            if (!string.IsNullOrEmpty(voice))
            {
                info.ArgumentList.Add("-v");
                info.ArgumentList.Add(voice);
            }

            info.ArgumentList.Add("--stdin");
        }

        var result = await ProcessExecution.RunAsync(info, request, request.Payload, cancellationToken).ConfigureAwait(false);
        if (result.Status != RunStatuses.Succeeded)
        {
            return result;
        }

        if (!File.Exists(audio) || new FileInfo(audio).Length == 0)
        {
            return result with { Status = RunStatuses.Failed, ErrorCode = ErrorIds.RunnerOutputInvalid, ErrorMessage = $"{backend} wrote no audio to {audio}." };
        }

        return result with { Output = Path.GetFileName(audio), Artifacts = [audio, .. result.Artifacts] };
    }
}
