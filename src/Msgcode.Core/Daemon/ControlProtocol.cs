using System.IO.Pipes;
using System.Net.Sockets;
using Msgcode.Core.Errors;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Msgcode.Core.Daemon;

/// <summary>
/// A JSON-RPC connection that reads the error data of the daemon's refusals as <see cref="ControlError"/>
/// (StreamJsonRpc would read it as exception details, losing the ErrorId).
/// </summary>
internal sealed class ControlRpc(IJsonRpcMessageHandler handler) : JsonRpc(handler)
{
    public const int RefusedCode = -32000;

    protected override Type? GetErrorDetailsDataType(JsonRpcError error)
        => error.Error?.Code == (JsonRpcErrorCode)RefusedCode ? typeof(ControlError) : base.GetErrorDetailsDataType(error);
}

/// <summary>
/// The control endpoint's wire format: JSON-RPC 2.0, one message per line (System.Text.Json), over a Unix
/// domain socket (a named pipe on Windows). StreamJsonRpc does the protocol; this class only connects.
/// </summary>
public static class ControlProtocol
{
    public const string Ping = "ping";
    public const string Status = "status";
    public const string Stop = "stop";
    public const string Queue = "queue";

    /// <summary>The longest control message line (a queue request is a few hundred bytes): longer ones end the connection.</summary>
    public const long MaxLineBytes = 4 * 1024 * 1024;

    public static JsonRpc Attach(Stream stream, object? target)
    {
        var formatter = new SystemTextJsonFormatter();
        var handler = new NewLineDelimitedMessageHandler(stream, new Storage.LineLimitStream(stream, MaxLineBytes), formatter);
        var rpc = new ControlRpc(handler);
        if (target is not null)
        {
            // Requests of one connection start in the order they arrived (a client may send many before the
            // first answer: a pipeline of tasks queued in order runs in that order).
            rpc.SynchronizationContext = new InOrderSynchronizationContext();
            rpc.AddLocalRpcTarget(target, new JsonRpcTargetOptions { AllowNonPublicInvocation = false, DisposeOnDisconnect = false });
        }

        rpc.StartListening();
        return rpc;
    }

    /// <summary>Connects to a daemon's endpoint, or throws <see cref="ErrorIds.DaemonNotRunning"/>.</summary>
    public static async Task<JsonRpc> ConnectAsync(string endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            Stream stream;
            if (OperatingSystem.IsWindows())
            {
                var pipe = new NamedPipeClientStream(".", endpoint, PipeDirection.InOut, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
                await pipe.ConnectAsync(timeoutSource.Token).ConfigureAwait(false);
                stream = pipe;
            }
            else
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint), timeoutSource.Token).ConfigureAwait(false);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                stream = new NetworkStream(socket, ownsSocket: true);
            }

            return Attach(stream, null);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or TimeoutException or UnauthorizedAccessException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new MsgcodeException(ErrorIds.DaemonNotRunning, MsgcodeErrorCategory.ConnectionError, endpoint,
                $"Cannot reach the daemon's control endpoint '{endpoint}' ({ex.Message}). Start it with Start-MsgcodeDaemon.", ex);
        }
    }
}

/// <summary>
/// Runs posted work one item at a time, in the order it was posted, on the thread pool. Work that awaits with
/// ConfigureAwait(false) lets the next item start at its first await, so only the synchronous starts are
/// serialized: that is what keeps one connection's requests in order without making them wait for each other.
/// </summary>
internal sealed class InOrderSynchronizationContext : SynchronizationContext
{
    private readonly object _gate = new();
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _work = new();
    private bool _draining;

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_gate)
        {
            _work.Enqueue((d, state));
            if (_draining)
            {
                return;
            }

            _draining = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(_ => Drain(), null);
    }

    public override SynchronizationContext CreateCopy() => this;

    private void Drain()
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            while (true)
            {
                (SendOrPostCallback Callback, object? State) item;
                lock (_gate)
                {
                    if (_work.Count == 0)
                    {
                        _draining = false;
                        return;
                    }

                    item = _work.Dequeue();
                }

                try
                {
                    item.Callback(item.State);
                }
                catch (Exception)
                {
                    // StreamJsonRpc reports a method's failure to its caller itself; nothing that escapes it may stop the
                    // queue (the next requests would never start) or the daemon.
                }
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }
}
