using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;
using static Msgcode.Core.Channels.ChannelLogText;

namespace Msgcode.Core.Channels;

/// <summary>
/// The channel's intake: each inbound message, one at a time, is checked against its chat's cursor
/// (<see cref="ChatCursors"/>), the sender policy (<see cref="SenderPolicy"/>), then either answered as a chat
/// command or turned into a task in the chat's workspace and queued in that workspace's lane. A message a local
/// fault stops goes to <see cref="KeptMessages"/>, and the chat's later messages wait behind it.
/// </summary>
internal sealed class ChatIntake
{
    private readonly DaemonContext _context;
    private readonly IWorkQueue _queue;
    private readonly RouteStore _routes;
    private readonly ChatReplies _replies;
    private readonly Func<string, string, string?>? _promptContext;
    /// <summary>Answers a chat command (the message and its trimmed text).</summary>
    private readonly Func<InboundMessage, string, Task> _command;
    private readonly CancellationToken _stopping;
    private readonly ChatMedia _media;
    /// <summary>Per chat, after its first message since the start: the chat's tasks made before the start, by message row id.</summary>
    private readonly Dictionary<string, Dictionary<long, TaskInfo>> _earlierTasks = new(StringComparer.Ordinal);
    /// <summary>One message at a time: the channel's messages and the retries of kept ones.</summary>
    private readonly SemaphoreSlim _intakeGate = new(1, 1);
    /// <summary>Chats told that their messages' queue entries cannot be written, until one is.</summary>
    private readonly ConcurrentDictionary<string, byte> _queueFaultTold = new(StringComparer.Ordinal);
    private long _inbound;
    private long _lastInboundAtMs;

    /// <param name="promptContext">See <see cref="ChannelServiceOptions.PromptContext"/>.</param>
    public ChatIntake(DaemonContext context, IWorkQueue queue, RouteStore routes, ChatCursors cursors, ChatReplies replies, Func<string, string, string?>? promptContext, Func<InboundMessage, string, Task> command, CancellationToken stopping)
    {
        _context = context;
        _queue = queue;
        _routes = routes;
        Cursors = cursors;
        _replies = replies;
        _promptContext = promptContext;
        _command = command;
        _stopping = stopping;
        _media = new ChatMedia(context, queue.Runners);
        Kept = new KeptMessages(context, cursors, replies, _intakeGate, HandleOneAsync);
    }

    public ChatCursors Cursors { get; }

    public KeptMessages Kept { get; }

    internal long InboundCount => Interlocked.Read(ref _inbound);

    /// <summary>Loads every chat's cursor, and the marks of messages kept by a daemon before this one, from state.json.</summary>
    public void LoadCursors()
    {
        try
        {
            foreach (var (chat, cursor) in Cursors.ReadAll())
            {
                Cursors.Load(chat, cursor.LastSeenRowid);
                if (cursor.KeptFromRowid is long kept)
                {
                    // Kept by a daemon before this one (its sender was told): the subscription starts before it.
                    Kept.Mark(chat, kept);
                }
            }
        }
        catch (MsgcodeException ex)
        {
            _context.Log.Error("channel", "cursors unreadable; subscribing from a minute ago", new { errorId = ex.ErrorId, path = ex.Target?.ToString() });
        }
    }

    /// <summary>
    /// Where a (re)subscription starts: after the highest cursor (row ids are global), but before the oldest kept
    /// message (the chats' cursors drop what was handled), else a minute ago.
    /// </summary>
    public SubscriptionStart Resume() => Cursors.Resume(Kept.ResumeBefore);

    /// <summary>Handles one inbound message; called one at a time, in arrival order.</summary>
    public async Task HandleAsync(InboundMessage message)
    {
        var log = _context.Log;
        await _intakeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Cursors.Handled(message))
            {
                log.Debug("channel", "already handled", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid });
                return;
            }

            if (Kept.Waiting(message.ChatGuid) is { } kept)
            {
                if (message.Rowid <= kept[^1].Rowid)
                {
                    log.Debug("channel", "already kept", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid });
                    return;
                }

                // Behind the chat's kept messages, in order; they go first if the fault is gone.
                CountInbound();
                kept.Add(message);
                var digest = TextDigest.Of(message.Text);
                log.Info("channel", "message kept", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, textLen = digest.Length, textSha = digest.Sha, status = "kept", behind = kept[0].Rowid });
                await Kept.RetryKeptAsync(message.ChatGuid).ConfigureAwait(false);
                return;
            }

            CountInbound();
            if (await HandleOneAsync(message, retry: false).ConfigureAwait(false))
            {
                Kept.Handled(message.ChatGuid);
            }
        }
        finally
        {
            _intakeGate.Release();
        }
    }

    private void CountInbound()
    {
        Interlocked.Increment(ref _inbound);
        Interlocked.Exchange(ref _lastInboundAtMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>
    /// Handles one message (under the intake gate). Returns false when a local fault kept it: then nothing about it
    /// moved, and it is tried again later (<paramref name="retry"/>: it is already the chat's first kept message).
    /// </summary>
    private async Task<bool> HandleOneAsync(InboundMessage message, bool retry)
    {
        var log = _context.Log;
        var digest = TextDigest.Of(message.Text);
        string outcome;
        var queued = Task.CompletedTask;
        try
        {
            (outcome, queued) = await ProcessAsync(message).ConfigureAwait(false);
        }
        catch (MsgcodeException ex) when (KeptMessages.LocalFaults.Contains(ex.ErrorId))
        {
            if (ex.ErrorId != ErrorIds.RoutesFileCorrupt)
            {
                lock (_earlierTasks)
                {
                    _earlierTasks.Remove(message.ChatGuid); // the next try looks for a task half made by this one
                }
            }

            await Kept.KeepAsync(message, ex, retry).ConfigureAwait(false);
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            outcome = "errored";
            log.Error("channel", "message failed", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
        }

        // Handled, ignored, rejected or errored: never again. The cursor moves once the message's queue entry is
        // durable and every earlier message's cursor has moved (after a crash in between, the message comes again
        // and finds its task: see QueueMessage).
        var written = Cursors.Advance(message.ChatGuid, message.Rowid, queued, plain: outcome == "queued");
        log.Info("channel", "message " + outcome, new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, textLen = digest.Length, textSha = digest.Sha, status = outcome, retry });
        if (outcome == "queued")
        {
            return true; // the next message is taken while this one's queue entry and cursor become durable
        }

        await written.ConfigureAwait(false); // a command (or anything else) is never handled twice: its cursor is on disk first
        return true;
    }

    private async Task<(string Outcome, Task Queued)> ProcessAsync(InboundMessage message)
    {
        if (message.IsFromMe)
        {
            return ("ignored", Task.CompletedTask);
        }

        var text = (message.Text ?? string.Empty).Trim();
        if (text.Length == 0 && message.Attachments.Count == 0)
        {
            return ("ignored", Task.CompletedTask);
        }

        var config = _context.Config;
        if (!SenderPolicy.IsAllowed(config, message, out var reason))
        {
            _context.Log.Warn("channel", "sender rejected", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, reason, senderSha = TextDigest.Of(message.Sender.ToLowerInvariant()).Sha });
            return ("rejected", Task.CompletedTask);
        }

        if (text.StartsWith('/') && message.Attachments.Count == 0)
        {
            await _command(message, text).ConfigureAwait(false);
            return ("command", Task.CompletedTask);
        }

        var route = _routes.Find(message.ChatGuid);
        if (route is null || route.Status == RouteStatuses.Archived)
        {
            await _replies.ReplyAsync(message.ChatGuid, "This chat is not bound to a workspace. Bind it with /bind <folder> (relative to the workspace root); /help lists the commands.").ConfigureAwait(false);
            return ("unbound", Task.CompletedTask);
        }

        if (route.Status == RouteStatuses.Paused)
        {
            await _replies.ReplyAsync(message.ChatGuid, "This chat's route is paused; Set-MsgcodeRoute -Status active resumes it.").ConfigureAwait(false);
            return ("paused", Task.CompletedTask);
        }

        if (!Directory.Exists(route.Workspace))
        {
            await _replies.ReplyAsync(message.ChatGuid, $"The workspace of this chat is missing ({route.Workspace}). /bind another folder.").ConfigureAwait(false);
            return ("workspace missing", Task.CompletedTask);
        }

        if (message.Attachments.Count == 0)
        {
            return QueueMessage(route, message, new ChatMediaResult(text, [], null, null, null));
        }

        // A voice note becomes its words, a photo an attached file (read by OCR for a runner without eyes).
        var runner = route.Runner ?? new TaskStore(route.Workspace).DefaultRunnerKind(new ConfigSources(_context.Home, route.Workspace));
        var media = await _media.PrepareAsync(route, runner, message, text, _stopping).ConfigureAwait(false);
        if (media.Refusal is not null)
        {
            await _replies.ReplyAsync(message.ChatGuid, media.Refusal).ConfigureAwait(false);
            return ("refused", Task.CompletedTask);
        }

        try
        {
            return QueueMessage(route, message, media);
        }
        catch (MsgcodeException ex) when (ex.ErrorId is ErrorIds.TaskInputFileNotFound or ErrorIds.TaskInputFileTooLarge)
        {
            // The attachment could not be copied into its task (gone meanwhile, or over tasks.maxInputFileBytes).
            _context.Log.Warn("channel", "attachment refused", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, errorId = ex.ErrorId });
            await _replies.ReplyAsync(message.ChatGuid, ex.Message).ConfigureAwait(false);
            return ("refused", Task.CompletedTask);
        }
    }

    /// <summary>
    /// A plain message → a task in the chat's workspace, queued in its lane; returns once the task exists and its
    /// queue entry is written, with the entry's commit (fsync) still under way. Idempotent across a crash: a
    /// message that comes again after a start (its cursor had not moved yet) finds the task made for it.
    /// </summary>
    private (string Outcome, Task Queued) QueueMessage(ChatRoute route, InboundMessage message, ChatMediaResult content)
    {
        var text = content.Prompt;
        var store = new TaskStore(route.Workspace);
        TaskInfo? task = null;
        Dictionary<long, TaskInfo>? earlier;
        lock (_earlierTasks)
        {
            if (!_earlierTasks.TryGetValue(message.ChatGuid, out earlier))
            {
                // The chat's first message since the start: the tasks a daemon before this one made from its messages.
                earlier = new Dictionary<long, TaskInfo>();
                foreach (var t in store.List().Where(t => t.ChatGuid == message.ChatGuid))
                {
                    if (t.Document?.ChatRowid is long rowid)
                    {
                        earlier[rowid] = t;
                    }
                }

                _earlierTasks[message.ChatGuid] = earlier;
            }
        }

        if (earlier.Remove(message.Rowid, out var made))
        {
            task = made;
            // Queued before the crash: its queue entry was recovered at start, or its run has records in the ledger.
            // (The ledger's queued line is only a hint, written apart from the queue entry: a run counts once it started.)
            if (_queue.HoldsRunOf(store.Workspace, task.Id) || new RunLedger(store.LedgerPath).ReadAll().Any(r => r.TaskId == task.Id && r.Event != RunEvents.Queued))
            {
                return ("queued before", Task.CompletedTask);
            }
        }

        if (task is null)
        {
            var runner = route.Runner ?? store.DefaultRunnerKind(new ConfigSources(_context.Home, route.Workspace));
            var prompt = text;
            var context = _promptContext?.Invoke(route.Workspace, text);
            if (!string.IsNullOrWhiteSpace(context))
            {
                prompt = context.TrimEnd() + "\n\n" + text;
            }

            task = store.Create(Title(text), prompt, runner, files: [.. content.Files], chatGuid: message.ChatGuid, customize: d =>
            {
                d.ChatRowid = message.Rowid;
                if (content.Transcript is not null)
                {
                    d.Transcript = content.Transcript;
                }

                d.ContinuesChatSession = true; // the chat is one conversation with its agent, until a /new
                d.RequeueOnInterrupted = true; // a crash mid-run runs it again, so the chat gets its answer
            });
        }

        _replies.Pending[task.Id] = message.ChatGuid;
        var taskId = task.Id;
        var queued = LogQueuedAsync(_queue.EnqueueAsync(route.Workspace, taskId), route.Workspace, message, taskId);
        var delay = _context.Config.GetInt64("channel.ackDelayMs");
        if (delay >= 0)
        {
            _ = _replies.AcknowledgeLaterAsync(taskId, message.ChatGuid, TimeSpan.FromMilliseconds(delay));
        }

        return ("queued", queued);
    }

    /// <summary>
    /// Waits for a message's queue entry to be durable and logs it (or why it was not queued). An entry a local fault
    /// kept from being written (a full disk) is written again with back-off, the task being made: meanwhile no cursor
    /// moves (the chain waits), the sender is told once, and a stop leaves the cursor for the next start.
    /// </summary>
    private async Task LogQueuedAsync(Task<TaskRunInfo> enqueued, string workspace, InboundMessage message, string taskId)
    {
        var backoff = ChannelService.MinRetry;
        while (true)
        {
            try
            {
                var run = await enqueued.ConfigureAwait(false);
                _queueFaultTold.TryRemove(message.ChatGuid, out _);
                _context.Log.Info("channel", "task queued", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, taskId, runId = run.RunId });
                return;
            }
            catch (MsgcodeException ex) when (KeptMessages.LocalFaults.Contains(ex.ErrorId) && !_stopping.IsCancellationRequested)
            {
                _context.Log.Warn("channel", "queue entry not written; kept", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, taskId, errorId = ex.ErrorId, retryMs = (long)backoff.TotalMilliseconds });
                if (_queueFaultTold.TryAdd(message.ChatGuid, 0))
                {
                    await _replies.ReplyAsync(message.ChatGuid, KeptMessages.KeptNotice(ex)).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                _replies.Pending.TryRemove(taskId, out _);
                _context.Log.Error("channel", "message failed", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, taskId, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
                throw;
            }

            await Task.Delay(backoff, _stopping).ConfigureAwait(false); // cancelled: the cursor stays for the next start
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, ChannelService.MaxRetry.Ticks));
            enqueued = _queue.EnqueueAsync(workspace, taskId);
        }
    }

    /// <summary>The row id of the message a chat task was made from (route.rowid), or null.</summary>

    private static string Title(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length <= 60 ? line : line[..59] + "…";
    }
}
