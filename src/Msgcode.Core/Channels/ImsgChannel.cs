using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.VisualStudio.Threading;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using StreamJsonRpc;

namespace Msgcode.Core.Channels;

/// <summary>
/// The iMessage channel: <c>&lt;imsg&gt; rpc</c> as a child process speaking JSON-RPC 2.0, one JSON message
/// per line, over its stdin/stdout (imsg v0.4.0's protocol, as the original msgcode uses it). StreamJsonRpc
/// does the protocol (the same library as the daemon's control endpoint, with its newline-delimited handler):
/// incrementing integer ids, responses matched to requests, notifications without id. Its own
/// <c>$/cancelRequest</c> is switched off (imsg does not know it), and notifications are dispatched one at a
/// time in arrival order. A dead imsg is restarted with exponential back-off, and each subscription starts
/// where the caller's cursor says.
/// </summary>
public sealed class ImsgChannel : IChatChannel
{
    private readonly ImsgChannelOptions _options;
    private readonly object _gate = new();
    private readonly HashSet<(long Rowid, string Chat)> _seen = [];
    private readonly Queue<(long Rowid, string Chat)> _seenOrder = new();
    private readonly System.Threading.Channels.Channel<InboundMessage> _inbox = System.Threading.Channels.Channel.CreateUnbounded<InboundMessage>(new() { SingleReader = true });
    private TaskCompletionSource<JsonRpc> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _stopping;
    private Task? _loop;
    private Task? _consumer;
    private Process? _process;
    private JsonRpc? _rpc;

    public ImsgChannel(ImsgChannelOptions options)
    {
        _options = options;
    }

    public string Name => "imsg";

    public bool IsConnected => _connected.Task.IsCompletedSuccessfully;

    /// <summary>Restarts of imsg since the channel started (for the doctor and tests).</summary>
    public int Restarts { get; private set; }

    /// <summary>Notifications dropped as duplicates.</summary>
    public long DuplicatesDropped { get; private set; }

    public Task StartAsync(Func<SubscriptionStart> resumeFrom, Func<InboundMessage, Task> onMessage, CancellationToken stopping)
    {
        if (!File.Exists(_options.ImsgPath))
        {
            throw new MsgcodeException(ErrorIds.ImsgUnavailable, MsgcodeErrorCategory.NotInstalled, _options.ImsgPath,
                $"imsg was not found at '{_options.ImsgPath}'. Build or install imsg (steipete/imsg) and set its path: Set-MsgcodeConfig imsg.path <path>.");
        }

        _stopping = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _consumer = Task.Run(() => ConsumeAsync(onMessage, _stopping.Token));
        _loop = Task.Run(() => RunAsync(resumeFrom, _stopping.Token));
        return Task.CompletedTask;
    }

    public async Task SendAsync(string chatGuid, string text, string? file, CancellationToken cancellationToken)
    {
        var parameters = new Dictionary<string, object?> { ["chat_guid"] = chatGuid, ["text"] = text };
        if (file is not null)
        {
            parameters["file"] = file;
        }

        var result = await RequestAsync("send", parameters, cancellationToken).ConfigureAwait(false);
        if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.False)
        {
            throw new MsgcodeException(ErrorIds.ImsgRequestFailed, MsgcodeErrorCategory.WriteError, chatGuid, "imsg did not send the message (ok: false).");
        }
    }

    /// <summary>imsg's <c>chats.list</c> {limit} → {chats: [...]}.</summary>
    public async Task<IReadOnlyList<ChatSummary>> ListChatsAsync(int limit, CancellationToken cancellationToken)
    {
        var result = await RequestAsync("chats.list", new Dictionary<string, object?> { ["limit"] = limit }, cancellationToken).ConfigureAwait(false);
        return ImsgPayload.ParseList(result, "chats", ImsgPayload.ParseChat);
    }

    /// <summary>imsg's <c>messages.history</c> {chat_id, limit, start?, attachments} → {messages: [...]}, newest first.</summary>
    public async Task<IReadOnlyList<InboundMessage>> HistoryAsync(long chatId, int limit, DateTimeOffset? start, CancellationToken cancellationToken)
    {
        var parameters = new Dictionary<string, object?> { ["chat_id"] = chatId, ["limit"] = limit, ["attachments"] = true };
        if (start is DateTimeOffset from)
        {
            parameters["start"] = Iso(from);
        }

        var result = await RequestAsync("messages.history", parameters, cancellationToken).ConfigureAwait(false);
        return ImsgPayload.ParseList(result, "messages", ImsgPayload.Parse);
    }

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>One request with the request timeout; waits (within it) for a live connection.</summary>
    public async Task<JsonElement> RequestAsync(string method, object parameters, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        JsonRpc rpc;
        try
        {
            rpc = await _connected.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MsgcodeException(ErrorIds.ImsgUnavailable, MsgcodeErrorCategory.ConnectionError, _options.ImsgPath,
                $"imsg is not running (no connection within {_options.RequestTimeout.TotalSeconds:0} s); '{method}' was not sent. Test-MsgcodeDoctor shows why.");
        }

        return await InvokeAsync(rpc, method, parameters, timeout.Token, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonElement> InvokeAsync(JsonRpc rpc, string method, object parameters, CancellationToken timeoutToken, CancellationToken callerToken)
    {
        try
        {
            // The token is applied here, not handed to StreamJsonRpc: with no cancellation strategy it would wait on.
            return await rpc.InvokeWithParameterObjectAsync<JsonElement>(method, parameters, CancellationToken.None).WaitAsync(timeoutToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!callerToken.IsCancellationRequested)
        {
            throw new MsgcodeException(ErrorIds.ImsgRequestFailed, MsgcodeErrorCategory.OperationTimeout, method,
                $"imsg did not answer '{method}' within {_options.RequestTimeout.TotalSeconds:0} s.");
        }
        catch (RemoteInvocationException ex)
        {
            throw new MsgcodeException(ErrorIds.ImsgRequestFailed, MsgcodeErrorCategory.InvalidOperation, method,
                $"imsg refused '{method}' (error {ex.ErrorCode}): {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException or IOException)
        {
            throw new MsgcodeException(ErrorIds.ImsgUnavailable, MsgcodeErrorCategory.ConnectionError, method,
                $"imsg stopped before it answered '{method}'; it is restarted automatically.", ex);
        }
    }

    private async Task RunAsync(Func<SubscriptionStart> resumeFrom, CancellationToken stopping)
    {
        var backoff = _options.MinBackoff;
        var first = true;
        while (!stopping.IsCancellationRequested)
        {
            if (!first)
            {
                Restarts++;
            }

            first = false;
            var startedAt = Stopwatch.StartNew();
            try
            {
                await RunOnceAsync(resumeFrom, stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                _options.Log?.Warn("imsg", "imsg connection failed", new { error = Truncate(ex.Message), errorId = (ex as MsgcodeException)?.ErrorId });
            }

            if (stopping.IsCancellationRequested)
            {
                break;
            }

            // A connection that lived a while resets the back-off; a crash loop waits longer each time.
            backoff = startedAt.Elapsed > TimeSpan.FromSeconds(30) ? _options.MinBackoff : backoff;
            _options.Log?.Warn("imsg", "imsg stopped; restarting", new { retry = (long)backoff.TotalMilliseconds });
            try
            {
                await Task.Delay(backoff, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        }
    }

    private async Task RunOnceAsync(Func<SubscriptionStart> resumeFrom, CancellationToken stopping)
    {
        var process = ImsgProcess.StartRpc(_options.ImsgPath);
        // A line past 16 MB (a message's text is far shorter; attachments are paths) ends the connection in linear time,
        // and imsg is restarted with back-off, rather than costing the daemon minutes of CPU.
        var handler = new NewLineDelimitedMessageHandler(process.StandardInput.BaseStream, new Storage.LineLimitStream(process.StandardOutput.BaseStream, 16 * 1024 * 1024), new SystemTextJsonFormatter());
        var rpc = new JsonRpc(handler)
        {
            CancellationStrategy = null, // imsg knows no $/cancelRequest: a timed-out request is just abandoned
            SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false), // notifications one at a time, in order
        };
        rpc.AddLocalRpcTarget(new NotificationTarget(this), new JsonRpcTargetOptions { AllowNonPublicInvocation = false });
        lock (_gate)
        {
            _process = process;
            _rpc = rpc;
        }

        try
        {
            rpc.StartListening();
            var start = resumeFrom();
            var parameters = new Dictionary<string, object?> { ["attachments"] = true };
            if (start.SinceRowid is long since)
            {
                parameters["since_rowid"] = since;
            }
            else
            {
                parameters["start"] = Iso(start.Start ?? DateTimeOffset.UtcNow.AddSeconds(-60));
            }

            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                timeout.CancelAfter(_options.RequestTimeout);
                var result = await InvokeAsync(rpc, "watch.subscribe", parameters, timeout.Token, stopping).ConfigureAwait(false);
                _options.Log?.Info("imsg", "subscribed", new { pid = process.Id, sinceRowid = start.SinceRowid, subscription = result.ValueKind == JsonValueKind.Object && result.TryGetProperty("subscription", out var s) ? s.ToString() : null });
            }

            _connected.TrySetResult(rpc);
            await rpc.Completion.WaitAsync(stopping).ConfigureAwait(false);
        }
        catch (Exception) when (rpc.Completion.IsCompleted && !stopping.IsCancellationRequested)
        {
            // the process went away during the subscription: restart
        }
        finally
        {
            lock (_gate)
            {
                if (_connected.Task.IsCompleted)
                {
                    _connected = new TaskCompletionSource<JsonRpc>(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                _rpc = null;
                _process = null;
            }

            var code = await ImsgProcess.StopAsync(process, rpc).ConfigureAwait(false);
            _options.Log?.Write(stopping.IsCancellationRequested ? LogLevel.Info : LogLevel.Warn, "imsg", "imsg exited", new { code });
        }
    }


    private void OnNotification(JsonElement parameters)
    {
        if (parameters.ValueKind != JsonValueKind.Object || !parameters.TryGetProperty("message", out var m) || ImsgPayload.Parse(m) is not { } message)
        {
            _options.Log?.Warn("imsg", "malformed message notification ignored");
            return;
        }

        lock (_gate)
        {
            var key = (message.Rowid, message.ChatGuid);
            if (!_seen.Add(key))
            {
                DuplicatesDropped++;
                _options.Log?.Debug("imsg", "duplicate notification dropped", new { rowid = message.Rowid });
                return;
            }

            _seenOrder.Enqueue(key);
            while (_seenOrder.Count > _options.DuplicateWindow)
            {
                _seen.Remove(_seenOrder.Dequeue());
            }
        }

        _inbox.Writer.TryWrite(message);
    }


    private async Task ConsumeAsync(Func<InboundMessage, Task> onMessage, CancellationToken stopping)
    {
        try
        {
            await foreach (var message in _inbox.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    await onMessage(message).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    _options.Log?.Error("imsg", "message handler failed", new { rowid = message.Rowid, error = Truncate(ex.Message) });
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var task in new[] { _loop, _consumer })
        {
            if (task is not null)
            {
                try
                {
                    await task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
                {
                }
            }
        }

        _stopping.Dispose();
        _stopping = null;
    }

    /// <summary>Runs <c>imsg --version</c>; null when it cannot be run.</summary>
    public static string? ProbeVersion(string path, TimeSpan timeout) => ImsgProcess.ProbeVersion(path, timeout);

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];

    /// <summary>The methods imsg calls on us (notifications only).</summary>
    private sealed class NotificationTarget(ImsgChannel channel)
    {
        [JsonRpcMethod("message", UseSingleObjectParameterDeserialization = true)]
        public void Message(JsonElement parameters) => channel.OnNotification(parameters);
    }
}
