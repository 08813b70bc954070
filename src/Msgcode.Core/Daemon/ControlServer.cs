using System.IO.Pipes;
using System.Net.Sockets;
using Msgcode.Core.Errors;
using Msgcode.Core.Logging;
using StreamJsonRpc;

namespace Msgcode.Core.Daemon;

/// <summary>
/// Listens on the daemon's control endpoint. Owner-only: the socket lives in a 0700 folder of this user's
/// (see <see cref="ControlEndpoint"/>) and is itself 0600 (a named pipe limited to the current user on
/// Windows). A malformed or hostile client only ever loses its own connection.
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    private readonly string _endpoint;
    private readonly Func<object> _targetFactory;
    private readonly MsgcodeLog _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<JsonRpc> _connections = [];
    private Socket? _listener;
    private Task? _acceptLoop;

    public ControlServer(string endpoint, Func<object> targetFactory, MsgcodeLog log)
    {
        _endpoint = endpoint;
        _targetFactory = targetFactory;
        _log = log;
    }

    /// <summary>Listens; on Unix the socket's folder has been made and checked private by <see cref="ControlEndpoint.Prepare"/>.</summary>
    public void Start()
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                _acceptLoop = Task.Run(AcceptPipesAsync);
                return;
            }

            if (File.Exists(_endpoint))
            {
                File.Delete(_endpoint); // a dead daemon's socket; we hold the daemon lock, so it is not live
            }

            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _listener.Bind(new UnixDomainSocketEndPoint(_endpoint));
            File.SetUnixFileMode(_endpoint, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            _listener.Listen(64);
            _acceptLoop = Task.Run(AcceptSocketsAsync);
        }
        catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException)
        {
            throw new MsgcodeException(ErrorIds.DaemonEndpointUnavailable, MsgcodeErrorCategory.ResourceUnavailable, _endpoint,
                $"The daemon could not listen on its control endpoint '{_endpoint}': {ex.Message}", ex);
        }
    }

    private async Task AcceptSocketsAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                _log.Warn("control", "accept failed", new { error = ex.Message });
                continue;
            }

            Serve(new NetworkStream(client, ownsSocket: true));
        }
    }

    private async Task AcceptPipesAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var pipe = new NamedPipeServerStream(_endpoint, PipeDirection.InOut, NamedPipeServerStream.MaxAllowedServerInstances,
                PipeTransmissionMode.Byte, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
            try
            {
                await pipe.WaitForConnectionAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await pipe.DisposeAsync().ConfigureAwait(false);
                return;
            }

            Serve(pipe);
        }
    }

    private void Serve(Stream stream)
    {
        try
        {
            var rpc = ControlProtocol.Attach(stream, _targetFactory());
            lock (_connections)
            {
                _connections.Add(rpc);
            }

            rpc.Disconnected += (_, e) =>
            {
                lock (_connections)
                {
                    _connections.Remove(rpc);
                }

                if (e.Reason is not DisconnectedReason.RemotePartyTerminated and not DisconnectedReason.LocallyDisposed)
                {
                    _log.Warn("control", "client dropped", new { reason = e.Reason.ToString(), error = Truncate(e.Description) });
                }

                rpc.Dispose();
            };
        }
        catch (Exception ex)
        {
            _log.Warn("control", "connection setup failed", new { error = Truncate(ex.Message) });
            stream.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            try
            {
                await _acceptLoop.ConfigureAwait(false);
            }
            catch (Exception)
            {
            }
        }

        JsonRpc[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        foreach (var rpc in open)
        {
            rpc.Dispose();
        }

        if (!OperatingSystem.IsWindows())
        {
            try
            {
                File.Delete(_endpoint);
            }
            catch (IOException)
            {
            }
        }

        _stopping.Dispose();
    }

    private static string Truncate(string? text) => text is null ? string.Empty : text.Length <= 200 ? text : text[..200];
}
