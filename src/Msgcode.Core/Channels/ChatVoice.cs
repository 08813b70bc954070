using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;
using Msgcode.Core.Runners;
using Msgcode.Core.Tasks;
using static Msgcode.Core.Channels.ChannelLogText;

namespace Msgcode.Core.Channels;

/// <summary>
/// How a chat's route wants its answers: the words heard first, when the task came from a voice note and the route
/// shows transcripts; spoken by the <c>tts</c> runner and sent as an audio file, when the route replies with audio
/// (instead of the text) or both (text and audio in one message). An answer that cannot be spoken goes as text, with
/// a line that says why.
/// </summary>
internal sealed class ChatVoice
{
    private readonly DaemonContext _context;
    private readonly RunnerRegistry _runners;

    public ChatVoice(DaemonContext context, RunnerRegistry runners)
    {
        _context = context;
        _runners = runners;
    }

    /// <summary>A succeeded run's answer (<paramref name="text"/>, <paramref name="file"/>) as the chat's route wants it sent.</summary>
    public async Task<(string Text, string? File)> ShapeAsync(ChatRoute? route, TaskDocument document, string workspace, string runId, string text, string? file, CancellationToken cancellationToken)
    {
        if (route is null)
        {
            return (text, file);
        }

        var heard = route.ShowTranscript == true && !string.IsNullOrWhiteSpace(document.Transcript) ? $"Heard: “{document.Transcript.Trim()}”" : null;
        var mode = route.VoiceReply ?? VoiceReplyModes.Text;
        if (mode == VoiceReplyModes.Text || file is not null || text.Length == 0)
        {
            return (Join(heard, text), file);
        }

        var config = ConfigResolver.Resolve(new ConfigSources(_context.Home, Directory.Exists(workspace) ? workspace : null));
        var max = (int)config.GetInt64("tts.maxChars");
        var spoken = text.Length <= max ? text : text[..(max - 1)] + "…";
        RunnerResult result;
        if (_runners.Find("tts") is not { } tts)
        {
            result = new RunnerResult { Status = RunStatuses.Failed, ErrorCode = ErrorIds.RunnerUnavailable, ErrorMessage = "there is no tts runner" };
        }
        else
        {
            try
            {
                result = await tts.RunAsync(new RunnerRequest
                {
                    Kind = "tts",
                    WorkspacePath = workspace,
                    Payload = spoken,
                    ArtifactDirectory = Path.Combine(new TaskStore(workspace).ArtifactsDirectory, runId, "voice"),
                    Constraints = new RunnerConstraints { Timeout = TimeSpan.FromMinutes(2), WorkingDirectory = workspace },
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or MsgcodeException)
            {
                result = new RunnerResult { Status = RunStatuses.Failed, ErrorCode = (ex as MsgcodeException)?.ErrorId ?? ErrorIds.RunnerFailed, ErrorMessage = ex.Message };
            }
        }

        var audio = result.Status == RunStatuses.Succeeded ? result.Artifacts.FirstOrDefault(File.Exists) : null;
        if (audio is null)
        {
            _context.Log.Warn("channel", "answer not spoken", new { chatId = ChatTag(route.ChatGuid), runId, errorId = result.ErrorCode });
            return (Join(heard, text + $"\n\n(The spoken answer could not be made: {result.ErrorCode}.)"), null);
        }

        return (mode == VoiceReplyModes.Audio ? heard ?? string.Empty : Join(heard, text), audio);
    }

    private static string Join(string? heard, string text) => heard is null ? text : text.Length == 0 ? heard : heard + "\n\n" + text;
}
