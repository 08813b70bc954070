using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;
using Msgcode.Core.Platform;
using Msgcode.Core.Runners;
using static Msgcode.Core.Channels.ChannelLogText;

namespace Msgcode.Core.Channels;

/// <summary>
/// What a message's attachments make of it, before its task is made: a voice note becomes words (the <c>asr</c>
/// runner's transcript is the prompt), a photo is attached to the task (and, for a runner that cannot look at images,
/// read by the <c>ocr</c> runner into the prompt). An attachment that is not on this Mac, lies outside the Messages
/// attachments folder (channel.attachmentsRoot), is larger than channel.maxAttachmentBytes or is of a kind nothing
/// here handles gets an answer that says so, never silence. Transcription runs on the intake's path, so that a
/// message's task exists (and is queued) once the message is handled, as for a text message.
/// </summary>
internal sealed class ChatMedia
{
    private static readonly HashSet<string> AudioExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".caf", ".m4a", ".mp3", ".wav", ".aac", ".amr", ".aif", ".aiff", ".ogg", ".opus", ".flac",
    };

    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".gif", ".webp", ".heic", ".heif", ".tif", ".tiff", ".bmp",
    };

    private readonly DaemonContext _context;
    private readonly RunnerRegistry _runners;

    public ChatMedia(DaemonContext context, RunnerRegistry runners)
    {
        _context = context;
        _runners = runners;
    }

    /// <summary>The kind of an attachment by its MIME type, else its extension: audio, image, or null (not handled).</summary>
    internal static string? KindOf(InboundAttachment attachment)
    {
        var mime = attachment.MimeType ?? string.Empty;
        var extension = Path.GetExtension(attachment.Path ?? attachment.FileName ?? string.Empty);
        if (mime.StartsWith("audio/", StringComparison.OrdinalIgnoreCase) || AudioExtensions.Contains(extension))
        {
            return "audio";
        }

        return mime.StartsWith("image/", StringComparison.OrdinalIgnoreCase) || ImageExtensions.Contains(extension) ? "image" : null;
    }

    /// <summary>
    /// The message's prompt, files and transcript once its attachments are read; or the answer that refuses it
    /// (<see cref="ChatMediaResult.Refusal"/>, with its ErrorId), when one cannot be used.
    /// </summary>
    public async Task<ChatMediaResult> PrepareAsync(ChatRoute route, string runnerKind, InboundMessage message, string text, CancellationToken cancellationToken)
    {
        var files = new List<string>();
        var parts = new List<string>();
        if (text.Length > 0)
        {
            parts.Add(text);
        }

        string? transcript = null;
        try
        {
            foreach (var attachment in message.Attachments)
            {
                var (path, kind) = Check(attachment);
                if (kind == "audio")
                {
                    var heard = await TranscribeAsync(route, attachment, path, cancellationToken).ConfigureAwait(false);
                    transcript = transcript is null ? heard : transcript + "\n" + heard;
                    parts.Add(heard);
                    continue;
                }

                files.Add(path);
                if (!(_runners.EntryOf(runnerKind)?.Inputs.Contains("image") ?? false))
                {
                    // The chat's runner cannot look at images: what it gets is the text in the image.
                    var read = await ReadTextAsync(route, runnerKind, attachment, path, cancellationToken).ConfigureAwait(false);
                    parts.Add($"Text in the attached image {attachment.DisplayName} (read by OCR):\n{read}");
                }
            }
        }
        catch (MsgcodeException ex)
        {
            _context.Log.Warn("channel", "attachment refused", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, errorId = ex.ErrorId });
            return new ChatMediaResult(string.Empty, [], null, ex.Message, ex.ErrorId);
        }

        if (parts.Count == 0)
        {
            parts.Add(files.Count == 1 ? "Describe the attached image." : "Describe the attached images.");
        }

        return new ChatMediaResult(string.Join("\n\n", parts), files, transcript, null, null);
    }

    /// <summary>The attachment's file (links resolved) and kind; throws the refusal's ErrorId when it cannot be used.</summary>
    private (string Path, string Kind) Check(InboundAttachment attachment)
    {
        var name = attachment.DisplayName;
        if (attachment.Missing || string.IsNullOrEmpty(attachment.Path))
        {
            throw new MsgcodeException(ErrorIds.AttachmentMissing, MsgcodeErrorCategory.ObjectNotFound, name,
                $"The attachment {name} is not on this Mac yet (Messages has not downloaded it). Send it again once Messages shows it.");
        }

        var config = _context.Config;
        var root = RealPaths.Resolve(MsgcodeHome.ExpandHome(config.GetString("channel.attachmentsRoot") ?? "~/Library/Messages/Attachments"));
        var path = RealPaths.Resolve(MsgcodeHome.ExpandHome(attachment.Path));
        if (!RealPaths.IsInside(path, root))
        {
            throw new MsgcodeException(ErrorIds.AttachmentOutsideFolder, MsgcodeErrorCategory.SecurityError, attachment.Path,
                $"The attachment {name} is not in the Messages attachments folder, and msgcode reads attachments only from there (channel.attachmentsRoot).");
        }

        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new MsgcodeException(ErrorIds.AttachmentMissing, MsgcodeErrorCategory.ObjectNotFound, attachment.Path,
                $"The attachment {name} is not on this Mac (its file is gone). Send it again.");
        }

        var max = config.GetInt64("channel.maxAttachmentBytes");
        if (file.Length > max)
        {
            throw new MsgcodeException(ErrorIds.AttachmentTooLarge, MsgcodeErrorCategory.LimitsExceeded, attachment.Path,
                $"The attachment {name} is too large ({Megabytes(file.Length)}; at most {Megabytes(max)}, channel.maxAttachmentBytes). Nothing was done with it.");
        }

        return (path, KindOf(attachment) ?? throw new MsgcodeException(ErrorIds.AttachmentUnsupported, MsgcodeErrorCategory.InvalidData, attachment.Path,
            $"msgcode cannot use the attachment {name} ({attachment.MimeType ?? "unknown type"}): it reads voice notes and photos. Send text, a voice note or a photo."));
    }

    private async Task<string> TranscribeAsync(ChatRoute route, InboundAttachment attachment, string path, CancellationToken cancellationToken)
    {
        var result = await RunAsync("asr", route, path, cancellationToken).ConfigureAwait(false);
        var words = result.Output.Trim();
        if (result.Status == RunStatuses.Succeeded && words.Length > 0)
        {
            return words;
        }

        throw result.Status == RunStatuses.Succeeded || result.ErrorCode == ErrorIds.AsrTranscriptEmpty
            ? new MsgcodeException(ErrorIds.AsrTranscriptEmpty, MsgcodeErrorCategory.InvalidData, attachment.Path,
                $"I could not make out any words in the voice note {attachment.DisplayName}. Say it again, or type it.")
            : new MsgcodeException(result.ErrorCode ?? ErrorIds.RunnerFailed, MsgcodeErrorCategory.InvalidData, attachment.Path,
                $"The voice note {attachment.DisplayName} could not be turned into words ({result.ErrorCode}): {result.ErrorMessage}");
    }

    private async Task<string> ReadTextAsync(ChatRoute route, string runnerKind, InboundAttachment attachment, string path, CancellationToken cancellationToken)
    {
        var result = await RunAsync("ocr", route, path, cancellationToken).ConfigureAwait(false);
        var text = result.Output.Trim();
        return result.Status == RunStatuses.Succeeded && text.Length > 0 ? text : throw new MsgcodeException(ErrorIds.AttachmentUnsupported, MsgcodeErrorCategory.InvalidData, attachment.Path,
            $"The runner of this chat ({runnerKind}) cannot look at images, and no text could be read from {attachment.DisplayName}"
            + (result.Status == RunStatuses.Succeeded ? "." : $" ({result.ErrorCode}: {result.ErrorMessage}).")
            + " Bind the chat to a runner that can (lmstudio with a vision model, claude, codex, opencode): Set-MsgcodeRoute -Runner.");
    }

    /// <summary>One run of a media runner on one file, in a scratch folder that is removed afterwards.</summary>
    private async Task<RunnerResult> RunAsync(string kind, ChatRoute route, string path, CancellationToken cancellationToken)
    {
        if (_runners.Find(kind) is not { } runner)
        {
            throw new MsgcodeException(ErrorIds.RunnerUnavailable, MsgcodeErrorCategory.NotInstalled, kind,
                $"msgcode has no {kind} runner to read this attachment with; Get-MsgcodeRunner {kind} says what it needs.");
        }

        var scratch = Path.Combine(Path.GetTempPath(), $"msgcode-{kind}-{Guid.NewGuid():N}");
        try
        {
            return await runner.RunAsync(new RunnerRequest
            {
                Kind = kind,
                WorkspacePath = route.Workspace,
                Payload = string.Empty,
                Files = [path],
                ArtifactDirectory = scratch,
                Constraints = new RunnerConstraints { Timeout = TimeSpan.FromMinutes(5), WorkingDirectory = route.Workspace },
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (IOException)
            {
                // Gone already, or held open: a scratch folder under the temporary folder does no harm.
            }
        }
    }

    private static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024):0.#} MB";
}
