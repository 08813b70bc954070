using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using Msgcode.Core.Runners;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;
using static Msgcode.Core.Channels.ChannelLogText;

namespace Msgcode.Core.Channels;

/// <summary>
/// What the channel sends to chats: replies and notices, the acknowledgement of a queued message, and each run's
/// result — of a chat's task to its chat, of a job's task to the chat the job delivers to — sent exactly once by
/// <see cref="ResultSender"/>, also after a start for results a crash left unsent or unconfirmed. Reply text never
/// reaches the log: length and a SHA-256 prefix instead.
/// </summary>
internal sealed class ChatReplies
{
    /// <summary>File kinds sent back as a file (a TTS runner's audio, an image) rather than as text.</summary>
    private static readonly HashSet<string> SendableFileExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".mp3", ".m4a", ".aiff", ".aif", ".caf", ".ogg", ".opus", ".flac", ".png", ".jpg", ".jpeg", ".gif", ".heic", ".webp", ".pdf", ".mp4", ".mov",
    };

    private readonly DaemonContext _context;
    private readonly IChatChannel _channel;
    private readonly RouteStore _routes;
    private readonly int _maxReplyChars;
    private readonly CancellationToken _stopping;
    private readonly SemaphoreSlim _replyGate = new(1, 1);
    private readonly ChatVoice? _voice;
    private readonly ResultSender _sender;

    /// <param name="pending">See <see cref="Pending"/>.</param>
    /// <param name="maxReplyChars">See <see cref="ChannelServiceOptions.MaxReplyChars"/>.</param>
    /// <param name="voice">Shapes answers as their routes want them (transcript first, spoken); null sends them as they are.</param>
    /// <param name="testKillAt">See <see cref="ResultSender.KillSending"/>.</param>
    public ChatReplies(DaemonContext context, IChatChannel channel, RouteStore routes, ConcurrentDictionary<string, string> pending, int maxReplyChars, CancellationToken stopping, ChatVoice? voice = null, string? testKillAt = null)
    {
        _voice = voice;
        _sender = new ResultSender(context, channel, testKillAt, stopping);
        _context = context;
        _channel = channel;
        _routes = routes;
        Pending = pending;
        _maxReplyChars = maxReplyChars;
        _stopping = stopping;
    }

    /// <summary>The chats waiting for a task's result: task id → chat, until replied.</summary>
    public ConcurrentDictionary<string, string> Pending { get; }

    /// <summary>After <paramref name="delay"/>, tells the chat its message is being worked on, unless the result came first.</summary>
    public async Task AcknowledgeLaterAsync(string taskId, string chat, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stopping).ConfigureAwait(false);
            if (Pending.ContainsKey(taskId))
            {
                await ReplyAsync(chat, ChannelService.AckText).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The queue's <see cref="WorkQueue.RunEnded"/>: the run's result goes to its chat.</summary>
    public void OnRunEnded(object? sender, RunEndedEventArgs e) => _ = Task.Run(() => DeliverResultAsync(e.Workspace, e.TaskId, e.RunId, e.Status, e.ErrorCode, e.ErrorMessage, e.Artifacts));

    /// <summary>Sends a run's result to its chat (a job's task: the chat it delivers to, when it asks for this result), exactly once.</summary>
    private async Task DeliverResultAsync(string workspace, string taskId, string runId, string status, string? errorCode, string? errorMessage, IReadOnlyList<string> artifacts)
    {
        var log = _context.Log;
        await _replyGate.WaitAsync().ConfigureAwait(false);
        try
        {
            var store = new TaskStore(workspace);
            TaskDocument document;
            try
            {
                document = store.ReadDocument(taskId);
            }
            catch (MsgcodeException)
            {
                return;
            }

            var delivery = Pending.ContainsKey(taskId) ? null : document.Delivery;
            var chat = Pending.TryGetValue(taskId, out var c) ? c : delivery?.ChatGuid ?? document.ChatGuid;
            if (chat is null || document.RepliedRunId == runId || (delivery is not null && !delivery.Sends(status)))
            {
                return; // a job's success when it reports failures only, a canceled run, a route gone at firing: nothing to send
            }

            string? text = null;
            string? file = null;
            switch (status)
            {
                case RunStatuses.Succeeded:
                    (text, file) = ComposeResult(workspace, artifacts, _maxReplyChars);
                    if (text.Length == 0 && file is null)
                    {
                        text = $"Done ({taskId}), no output.";
                    }

                    if (_voice is not null)
                    {
                        (text, file) = await _voice.ShapeAsync(_routes.Find(chat), document, workspace, runId, text, file, _stopping).ConfigureAwait(false);
                    }

                    break;
                case RunStatuses.Canceled:
                    break; // the /stop that canceled it has answered
                case RunEvents.Interrupted:
                    text = document.RequeueOnInterrupted ? $"Task {taskId} was interrupted; it runs again when the daemon is back." : $"Task {taskId} was interrupted (the daemon stopped).";
                    break;
                default:
                    text = $"Task {taskId} {status}{(errorCode is null ? string.Empty : $" ({errorCode})")}: {Truncate(errorMessage ?? string.Empty)}";
                    break;
            }

            if (delivery is not null && text is not null)
            {
                text = $"[{delivery.JobName ?? delivery.JobId}] {text}";
            }

            var sent = text is not null || file is not null;
            if (sent)
            {
                sent = await _sender.SendOnceAsync(store, document, runId, chat, text ?? string.Empty, file).ConfigureAwait(false);
            }
            else
            {
                ResultSender.Confirm(store, taskId, runId);
            }

            Pending.TryRemove(taskId, out _);
            var digest = TextDigest.Of(text);
            log.Info("channel", sent ? "result sent" : "result not sent again", new { chatId = ChatTag(chat), taskId, runId, status, textLen = digest.Length, textSha = digest.Sha, file = file is not null, jobId = delivery?.JobId });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.Error("channel", "result not sent", new { taskId, runId, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
        }
        finally
        {
            _replyGate.Release();
        }
    }

    /// <summary>
    /// After a start: results of chat tasks and of delivering jobs' tasks that finished while no reply could be sent,
    /// or whose send a crash left unconfirmed (then the chat's history decides whether it is sent again).
    /// </summary>
    public async Task ReplyUnansweredAsync(CancellationToken stopping)
    {
        try
        {
            var since = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds();
            var routed = _routes.List().Where(r => r.Status != RouteStatuses.Archived).Select(r => r.Workspace);
            foreach (var workspace in routed.Concat(JobDeliveries.Workspaces(_context.Home)).Distinct(StringComparer.Ordinal).Where(Directory.Exists))
            {
                var store = new TaskStore(workspace);
                var candidates = store.List().Where(t => t.UpdatedAtMs >= since && t.Status is TaskStatuses.Done or TaskStatuses.Blocked
                    && ((t.ChatGuid is not null && t.Document?.ChatRowid is not null) || t.Document?.Delivery is not null)).ToList();
                if (candidates.Count == 0)
                {
                    continue;
                }

                var ledger = new RunLedger(store.LedgerPath);
                foreach (var task in candidates)
                {
                    stopping.ThrowIfCancellationRequested();
                    var last = ledger.NewestRuns(1, task.Id).FirstOrDefault();
                    if (last is null || task.Document?.RepliedRunId == last.RunId || last.Status is "running" or "queued")
                    {
                        continue;
                    }

                    await DeliverResultAsync(workspace, task.Id, last.RunId, last.Status, last.ErrorCode, last.ErrorMessage, last.Artifacts).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _context.Log.Warn("channel", "unanswered results not checked", new { error = Truncate(ex.Message) });
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Sends text to a chat; a failure of the transport is logged, not thrown.</summary>
    public async Task ReplyAsync(string chat, string text)
    {
        try
        {
            await SendAsync(chat, text, null).ConfigureAwait(false);
        }
        catch (MsgcodeException ex)
        {
            _context.Log.Warn("channel", "reply not sent", new { chatId = ChatTag(chat), errorId = ex.ErrorId, error = Truncate(ex.Message) });
        }
    }

    private Task SendAsync(string chat, string text, string? file) => _channel.SendAsync(chat, text, file, _stopping);

    /// <summary>
    /// What a succeeded run sends back: the answer's text (answer.txt, written by the LM Studio and declarative
    /// runners, else the process output in output.txt), cut at <paramref name="maxChars"/>, and its first audio,
    /// image or document artifact as a file. Artifact paths may be relative to the workspace.
    /// </summary>
    internal static (string Text, string? File) ComposeResult(string workspace, IEnumerable<string> artifacts, int maxChars)
    {
        var files = artifacts.Select(a => Path.IsPathRooted(a) ? a : Path.Combine(workspace, a)).Where(File.Exists).ToList();
        var answer = files.FirstOrDefault(f => Path.GetFileName(f) == "answer.txt") ?? files.FirstOrDefault(f => Path.GetFileName(f) == "output.txt");
        var file = files.FirstOrDefault(f => SendableFileExtensions.Contains(Path.GetExtension(f)));
        var text = answer is null ? string.Empty : ReadBounded(answer, maxChars).Trim();
        return (text, file);
    }

    private static string ReadBounded(string path, int maxChars)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var buffer = new char[maxChars + 1];
        var read = reader.ReadBlock(buffer, 0, buffer.Length);
        return read > maxChars ? new string(buffer, 0, maxChars - 1) + "…" : new string(buffer, 0, read);
    }
}
