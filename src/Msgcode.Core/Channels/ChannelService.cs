using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Msgcode.Core.Config;
using Msgcode.Core.Daemon;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using Msgcode.Core.Runners;
using Msgcode.Core.Runs;
using Msgcode.Core.Tasks;

namespace Msgcode.Core.Channels;

public sealed record ChannelServiceOptions
{
    /// <summary>Makes the transport; by default the imsg channel from the imsg.path setting.</summary>
    public Func<DaemonContext, IChatChannel?>? ChannelFactory { get; init; }

    /// <summary>
    /// The memory seam: given the workspace and the message text, returns context to put before the message in the
    /// task's prompt (such as the top matches of the workspace's memory), or null for none. Unset: no context.
    /// </summary>
    public Func<string, string, string?>? PromptContext { get; init; }

    /// <summary>
    /// The daemon's options: chat prompts get the workspace's memory (memory.inject, memory.injectTop and
    /// memory.injectMaxChars, read per message from the workspace's configuration, so a change applies at once).
    /// </summary>
    public static ChannelServiceOptions WithMemory(Config.MsgcodeHome home) => new()
    {
        PromptContext = (workspace, text) => Memory.MemoryInjection.From(Config.ConfigResolver.ResolveCached(new Config.ConfigSources(home, workspace))).ContextFor(workspace, text),
    };

    /// <summary>Longest text sent back in one reply; the rest stays in the task's output artifact.</summary>
    public int MaxReplyChars { get; init; } = 4000;

    /// <summary>
    /// Test hook (environment MSGCODE_TEST_CHANNEL_HOLD_CURSOR=1): plain messages' cursors are never written, as if
    /// the daemon were always killed before they land, so that a restart takes those messages again.
    /// </summary>
    public bool TestHoldCursor { get; init; }
}

/// <summary>
/// The daemon's message channel: messages in, tasks out. Each inbound message is checked against the
/// per-chat cursor (a message at or below it was handled before), the whitelist (and owner-only mode in
/// groups), then either answered as a chat command or turned into a task in the chat's workspace and queued
/// in that workspace's lane. The cursor advances after the message is handled, ignored or rejected, in order:
/// a plain message's queue entry and cursor become durable off the intake's path (the next message is taken
/// meanwhile, and a later cursor write covers the earlier ones), a command's before the next message. Results
/// come back through <see cref="WorkQueue.RunEnded"/> and are sent to the chat once (the task records the run
/// it replied for). Message and reply text never reach the log: length and a SHA-256 prefix instead.
/// </summary>
public sealed partial class ChannelService : IDaemonComponent
{
    public const string AckText = "Working on it…";

    private readonly WorkQueue _queue;
    private readonly ChannelServiceOptions _options;
    private readonly ConcurrentDictionary<string, long> _cursors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _pending = new(StringComparer.Ordinal); // taskId -> chat, until replied
    /// <summary>Per chat, after its first message since the start: the chat's tasks made before the start, by message row id.</summary>
    private readonly Dictionary<string, Dictionary<long, TaskInfo>> _earlierTasks = new(StringComparer.Ordinal);
    /// <summary>Chats whose cursor stays where it is until the next start (a message could not be queued: the daemon was stopping).</summary>
    private readonly ConcurrentDictionary<string, byte> _cursorHeld = new(StringComparer.Ordinal);
    /// <summary>Per chat, the row id of the latest message handed to the cursor chain.</summary>
    private readonly ConcurrentDictionary<string, long> _cursorWanted = new(StringComparer.Ordinal);
    /// <summary>Completes when every message handled so far is queued (durably) and its cursor written; never faults.</summary>
    private Task _intakeTail = Task.CompletedTask;
    private readonly SemaphoreSlim _replyGate = new(1, 1);
    private DaemonContext? _context;
    private IChatChannel? _channel;
    private ChatCursorStore? _cursorStore;
    private RouteStore? _routes;
    private CancellationTokenSource? _stopping;
    private long _inbound;
    private long _lastInboundAtMs;

    public ChannelService(WorkQueue queue, ChannelServiceOptions? options = null)
    {
        _queue = queue;
        _options = options ?? new ChannelServiceOptions();
    }

    public string Name => "channel";

    /// <summary>The transport, once started (null when the channel is off).</summary>
    public IChatChannel? Channel => _channel;

    public async Task StartAsync(DaemonContext context, CancellationToken stopping)
    {
        _context = context;
        _cursorStore = new ChatCursorStore(context.Home);
        _routes = new RouteStore(context.Home);
        _channel = _options.ChannelFactory is { } factory ? factory(context) : DefaultChannel(context);
        if (_channel is null)
        {
            context.Log.Info("channel", "channel off: imsg.path is not set");
            return;
        }

        try
        {
            foreach (var (chat, cursor) in _cursorStore.ReadAll())
            {
                _cursors[chat] = cursor.LastSeenRowid;
            }
        }
        catch (MsgcodeException ex)
        {
            context.Log.Error("channel", "cursors unreadable; subscribing from a minute ago", new { errorId = ex.ErrorId, path = ex.Target?.ToString() });
        }

        _stopping = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _queue.RunEnded += OnRunEnded;
        try
        {
            await _channel.StartAsync(Resume, HandleAsync, _stopping.Token).ConfigureAwait(false);
        }
        catch (MsgcodeException ex)
        {
            context.Log.Error("channel", "channel did not start", new { errorId = ex.ErrorId, path = ex.Target?.ToString() });
            return;
        }

        context.Log.Info("channel", "channel started", new { transport = _channel.Name, chats = _cursors.Count, sinceRowid = Resume().SinceRowid });
        _ = Task.Run(() => ReplyUnansweredAsync(_stopping.Token));
    }

    public async Task StopAsync(DateTimeOffset deadline)
    {
        _queue.RunEnded -= OnRunEnded;
        if (_stopping is not null)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        if (_channel is not null)
        {
            await _channel.DisposeAsync().ConfigureAwait(false);
        }

        // The last messages' queue entries and cursors, still being made durable: let them land (never faults).
        var left = deadline - DateTimeOffset.UtcNow;
        await Task.WhenAny(_intakeTail, Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero)).ConfigureAwait(false);
    }

    public void Describe(DaemonRuntimeInfo info)
    {
    }

    private static ImsgChannel? DefaultChannel(DaemonContext context)
    {
        var path = context.Config.GetString("imsg.path");
        return string.IsNullOrWhiteSpace(path) ? null : new ImsgChannel(new ImsgChannelOptions { ImsgPath = MsgcodeHome.ExpandHome(path), Log = context.Log });
    }

    /// <summary>Where a (re)subscription starts: after the highest cursor (row ids are global), else a minute ago.</summary>
    private SubscriptionStart Resume()
    {
        var max = _cursors.IsEmpty ? 0 : _cursors.Values.Max();
        return max > 0 ? new SubscriptionStart(max, null) : new SubscriptionStart(null, DateTimeOffset.UtcNow.AddSeconds(-60));
    }

    private static string ChatTag(string chat) => chat.Length <= 6 ? chat : chat[^6..];

    /// <summary>Handles one inbound message; called one at a time, in arrival order.</summary>
    internal async Task HandleAsync(InboundMessage message)
    {
        var log = _context!.Log;
        if (_cursors.TryGetValue(message.ChatGuid, out var cursor) && message.Rowid <= cursor)
        {
            log.Debug("channel", "already handled", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid });
            return;
        }

        Interlocked.Increment(ref _inbound);
        Interlocked.Exchange(ref _lastInboundAtMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var digest = TextDigest.Of(message.Text);
        string outcome;
        var queued = Task.CompletedTask;
        try
        {
            (outcome, queued) = await ProcessAsync(message).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            outcome = "errored";
            log.Error("channel", "message failed", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
        }

        // Handled, ignored, rejected or errored: never again. The cursor moves once the message's queue entry is
        // durable and every earlier message's cursor has moved (after a crash in between, the message comes again
        // and finds its task: see QueueMessage).
        _cursorWanted[message.ChatGuid] = message.Rowid;
        var written = AdvanceCursorAfterAsync(_intakeTail, queued, message.ChatGuid, message.Rowid);
        _intakeTail = written;
        _cursors.AddOrUpdate(message.ChatGuid, message.Rowid, (_, old) => Math.Max(old, message.Rowid));
        log.Info("channel", "message " + outcome, new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, textLen = digest.Length, textSha = digest.Sha, status = outcome });
        if (outcome == "queued")
        {
            return; // the next message is taken while this one's queue entry and cursor become durable
        }

        await written.ConfigureAwait(false); // a command (or anything else) is never handled twice: its cursor is on disk first
    }

    /// <summary>
    /// Moves a chat's cursor to <paramref name="rowid"/> once <paramref name="queued"/> has completed (the message's
    /// queue entry is durable, or it failed: a failed message is not taken again either) and <paramref name="previous"/>
    /// (every earlier message's cursor). A later message of the same chat already waiting writes a higher cursor,
    /// which covers this one: this write is then left to it. Never faults.
    /// </summary>
    private async Task AdvanceCursorAfterAsync(Task previous, Task queued, string chat, long rowid)
    {
        try
        {
            await queued.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Logged where the queueing failed; such a message is not taken again, unless the daemon was stopping:
            // then neither its cursor nor any later one of the chat moves, and the next start takes them again
            // (each finds the task made for it).
            if (ex is OperationCanceledException or MsgcodeException { ErrorId: ErrorIds.DaemonNotRunning })
            {
                _cursorHeld.TryAdd(chat, 0);
            }
        }

        await previous.ConfigureAwait(false);
        if (_cursorWanted.TryGetValue(chat, out var wanted) && wanted > rowid || _cursorHeld.ContainsKey(chat)
            || _options.TestHoldCursor && !ReferenceEquals(queued, Task.CompletedTask))
        {
            return;
        }

        try
        {
            _cursorStore!.Advance(chat, rowid);
        }
        catch (Exception ex)
        {
            // Any failure (a state.json broken by hand, a full disk): logged, and the chain goes on (it never faults).
            _context!.Log.Error("channel", "cursor not saved", new { chatId = ChatTag(chat), rowid, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
        }
    }

    private async Task<(string Outcome, Task Queued)> ProcessAsync(InboundMessage message)
    {
        if (message.IsFromMe)
        {
            return ("ignored", Task.CompletedTask);
        }

        var text = (message.Text ?? string.Empty).Trim();
        if (text.Length == 0)
        {
            return ("ignored", Task.CompletedTask);
        }

        var config = _context!.Config;
        if (!IsAllowed(config, message, out var reason))
        {
            _context.Log.Warn("channel", "sender rejected", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, reason, senderSha = TextDigest.Of(message.Sender.ToLowerInvariant()).Sha });
            return ("rejected", Task.CompletedTask);
        }

        if (text.StartsWith('/'))
        {
            await CommandAsync(message, text).ConfigureAwait(false);
            return ("command", Task.CompletedTask);
        }

        var route = _routes!.Find(message.ChatGuid);
        if (route is null || route.Status == RouteStatuses.Archived)
        {
            await ReplyAsync(message.ChatGuid, "This chat is not bound to a workspace. Bind it with /bind <folder> (relative to the workspace root); /help lists the commands.").ConfigureAwait(false);
            return ("unbound", Task.CompletedTask);
        }

        if (route.Status == RouteStatuses.Paused)
        {
            await ReplyAsync(message.ChatGuid, "This chat's route is paused; Set-MsgcodeRoute -Status active resumes it.").ConfigureAwait(false);
            return ("paused", Task.CompletedTask);
        }

        if (!Directory.Exists(route.Workspace))
        {
            await ReplyAsync(message.ChatGuid, $"The workspace of this chat is missing ({route.Workspace}). /bind another folder.").ConfigureAwait(false);
            return ("workspace missing", Task.CompletedTask);
        }

        return QueueMessage(route, message, text);
    }

    /// <summary>Only whitelisted senders; in groups with owner-only mode, only owners.</summary>
    internal static bool IsAllowed(ConfigReport config, InboundMessage message, out string reason)
    {
        var emails = config.GetRaw("whitelist.emails") as string[] ?? [];
        var phones = config.GetRaw("whitelist.phones") as string[] ?? [];
        var owners = config.GetRaw("whitelist.owners") as string[] ?? [];
        if (!Matches(message.Sender, emails.Concat(phones)))
        {
            reason = emails.Length + phones.Length == 0 ? "whitelist empty" : "not whitelisted";
            return false;
        }

        if (message.IsGroup && config.GetBoolean("channel.ownerOnlyInGroup") && !Matches(message.Sender, owners))
        {
            reason = "owner only in groups";
            return false;
        }

        reason = "allowed";
        return true;
    }

    /// <summary>
    /// The same phone number: the same digits when both are written with a country code (+...); when one of them
    /// is written without (a national number), the other may add a country code of 1-3 digits in front. A number
    /// that merely ends with a whitelisted one (+49 15551234567 against +1 555 123 4567) is a different number.
    /// </summary>
    internal static bool PhoneNumbersMatch(string sender, string senderDigits, string handle)
    {
        var handleDigits = new string(handle.Where(char.IsDigit).ToArray());
        if (handleDigits.Length < 7 || senderDigits.Length < 7)
        {
            return false;
        }

        if (handleDigits == senderDigits)
        {
            return true;
        }

        var senderInternational = sender.TrimStart().StartsWith('+');
        var handleInternational = handle.TrimStart().StartsWith('+');
        if (senderInternational && handleInternational)
        {
            return false;
        }

        var (longer, shorter) = senderDigits.Length > handleDigits.Length ? (senderDigits, handleDigits) : (handleDigits, senderDigits);
        var longerIsInternational = senderDigits.Length > handleDigits.Length ? senderInternational : handleInternational;
        return longerIsInternational && longer.Length - shorter.Length <= 3 && longer.EndsWith(shorter, StringComparison.Ordinal);
    }

    private static bool Matches(string sender, IEnumerable<string> handles)
    {
        var s = sender.Trim();
        var sDigits = new string(s.Where(char.IsDigit).ToArray());
        foreach (var handle in handles.Select(h => h.Trim()).Where(h => h.Length > 0))
        {
            if (string.Equals(s, handle, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (!handle.Contains('@') && !s.Contains('@') && PhoneNumbersMatch(s, sDigits, handle))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A plain message → a task in the chat's workspace, queued in its lane; returns once the task exists and its
    /// queue entry is written, with the entry's commit (fsync) still under way. Idempotent across a crash: a
    /// message that comes again after a start (its cursor had not moved yet) finds the task made for it.
    /// </summary>
    private (string Outcome, Task Queued) QueueMessage(ChatRoute route, InboundMessage message, string text)
    {
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
                    if (RowidOf(t.Document) is long rowid)
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
            var runner = route.Runner ?? store.DefaultRunnerKind(new ConfigSources(_context!.Home, route.Workspace));
            var prompt = text;
            var context = _options.PromptContext?.Invoke(route.Workspace, text);
            if (!string.IsNullOrWhiteSpace(context))
            {
                prompt = context.TrimEnd() + "\n\n" + text;
            }

            task = store.Create(Title(text), prompt, runner, chatGuid: message.ChatGuid, customize: d =>
            {
                ((JsonObject)d.Root["route"]!)["rowid"] = message.Rowid;
                d.ContinuesChatSession = true; // the chat is one conversation with its agent, until a /new
                d.Root["retry"] = new JsonObject { ["onInterrupted"] = "requeue" }; // a crash mid-run runs it again, so the chat gets its answer
            });
        }

        _pending[task.Id] = message.ChatGuid;
        var taskId = task.Id;
        var queued = LogQueuedAsync(_queue.EnqueueAsync(route.Workspace, taskId), message, taskId);
        var delay = _context!.Config.GetInt64("channel.ackDelayMs");
        if (delay >= 0)
        {
            _ = AcknowledgeLaterAsync(taskId, message.ChatGuid, TimeSpan.FromMilliseconds(delay));
        }

        return ("queued", queued);
    }

    /// <summary>Waits for a message's queue entry to be durable and logs it (or why it was not queued).</summary>
    private async Task LogQueuedAsync(Task<TaskRunInfo> enqueued, InboundMessage message, string taskId)
    {
        try
        {
            var run = await enqueued.ConfigureAwait(false);
            _context!.Log.Info("channel", "task queued", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, taskId, runId = run.RunId });
        }
        catch (Exception ex)
        {
            _pending.TryRemove(taskId, out _);
            _context!.Log.Error("channel", "message failed", new { chatId = ChatTag(message.ChatGuid), rowid = message.Rowid, taskId, errorId = (ex as MsgcodeException)?.ErrorId, error = Truncate(ex.Message) });
            throw;
        }
    }

    private static long? RowidOf(TaskDocument? document) => document?.Root["route"]?["rowid"] is JsonValue v && v.TryGetValue<long>(out var r) ? r : null;

    private static string Title(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length <= 60 ? line : line[..59] + "…";
    }

    private async Task AcknowledgeLaterAsync(string taskId, string chat, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stopping!.Token).ConfigureAwait(false);
            if (_pending.ContainsKey(taskId))
            {
                await ReplyAsync(chat, AckText).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnRunEnded(object? sender, RunEndedEventArgs e) => _ = Task.Run(() => DeliverResultAsync(e.Workspace, e.TaskId, e.RunId, e.Status, e.ErrorCode, e.ErrorMessage, e.Artifacts));

    /// <summary>Sends a run's result to its chat, once: the task records the run it replied for.</summary>
    private async Task DeliverResultAsync(string workspace, string taskId, string runId, string status, string? errorCode, string? errorMessage, IReadOnlyList<string> artifacts)
    {
        var log = _context!.Log;
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

            var chat = _pending.TryGetValue(taskId, out var c) ? c : document.ChatGuid;
            if (chat is null || (string?)document.Root["route"]?["repliedRunId"] == runId)
            {
                return;
            }

            string? text = null;
            string? file = null;
            switch (status)
            {
                case RunStatuses.Succeeded:
                    (text, file) = ComposeResult(workspace, artifacts, _options.MaxReplyChars);
                    if (text.Length == 0 && file is null)
                    {
                        text = $"Done ({taskId}), no output.";
                    }

                    break;
                case RunStatuses.Canceled:
                    break; // the /stop that canceled it has answered
                case RunEvents.Interrupted:
                    text = $"Task {taskId} was interrupted; it runs again when the daemon is back.";
                    break;
                default:
                    text = $"Task {taskId} {status}{(errorCode is null ? string.Empty : $" ({errorCode})")}: {Truncate(errorMessage ?? string.Empty)}";
                    break;
            }

            if (text is not null || file is not null)
            {
                await SendAsync(chat, text ?? string.Empty, file).ConfigureAwait(false);
            }

            _pending.TryRemove(taskId, out _);
            store.Update(taskId, d =>
            {
                if (d.Root["route"] is not JsonObject route)
                {
                    route = [];
                    d.Root["route"] = route;
                }

                route["repliedRunId"] = runId;
                return true;
            }, durable: false);
            var digest = TextDigest.Of(text);
            log.Info("channel", "result sent", new { chatId = ChatTag(chat), taskId, runId, status, textLen = digest.Length, textSha = digest.Sha, file = file is not null });
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

    /// <summary>After a start: results of chat tasks that finished while no reply could be sent (a crash in between).</summary>
    private async Task ReplyUnansweredAsync(CancellationToken stopping)
    {
        try
        {
            var since = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds();
            foreach (var workspace in _routes!.List().Where(r => r.Status != RouteStatuses.Archived).Select(r => r.Workspace).Distinct(StringComparer.Ordinal).Where(Directory.Exists))
            {
                var store = new TaskStore(workspace);
                var candidates = store.List().Where(t => t.ChatGuid is not null && t.UpdatedAtMs >= since && t.Status is TaskStatuses.Done or TaskStatuses.Blocked && RowidOf(t.Document) is not null).ToList();
                if (candidates.Count == 0)
                {
                    continue;
                }

                var ledger = new RunLedger(store.LedgerPath);
                foreach (var task in candidates)
                {
                    stopping.ThrowIfCancellationRequested();
                    var last = ledger.NewestRuns(1, task.Id).FirstOrDefault();
                    if (last is null || (string?)task.Document?.Root["route"]?["repliedRunId"] == last.RunId || last.Status is "running" or "queued")
                    {
                        continue;
                    }

                    await DeliverResultAsync(workspace, task.Id, last.RunId, last.Status, last.ErrorCode, last.ErrorMessage, last.Artifacts).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _context?.Log.Warn("channel", "unanswered results not checked", new { error = Truncate(ex.Message) });
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReplyAsync(string chat, string text)
    {
        try
        {
            await SendAsync(chat, text, null).ConfigureAwait(false);
        }
        catch (MsgcodeException ex)
        {
            _context!.Log.Warn("channel", "reply not sent", new { chatId = ChatTag(chat), errorId = ex.ErrorId, error = Truncate(ex.Message) });
        }
    }

    private Task SendAsync(string chat, string text, string? file) => _channel!.SendAsync(chat, text, file, _stopping?.Token ?? CancellationToken.None);

    /// <summary>File kinds sent back as a file (a TTS runner's audio, an image) rather than as text.</summary>
    private static readonly HashSet<string> SendableFileExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".mp3", ".m4a", ".aiff", ".aif", ".caf", ".ogg", ".opus", ".flac", ".png", ".jpg", ".jpeg", ".gif", ".heic", ".webp", ".pdf", ".mp4", ".mov",
    };

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

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..299] + "…";

    internal long InboundCount => Interlocked.Read(ref _inbound);

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^/(?<name>[A-Za-z][\w-]*)(?:\s+(?<args>.*))?$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex CommandPattern();
}
