using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>
/// One listening socket and its accept loop, the same for every mail protocol: each accepted client is
/// admitted by the listener's <see cref="ConnectionLimiter"/> (or refused with the protocol's one-line
/// refusal and closed), gets TCP_NODELAY, and runs as an async task (no thread per connection).
/// <see cref="StopAsync"/> stops accepting and cancels the sessions.
/// </summary>
internal sealed class MailListener
{
    private readonly string _name;
    private readonly IPEndPoint _endPoint;
    private readonly Func<Socket, CancellationToken, Task> _handler;
    private readonly MailListenerRegistry _registry;
    private readonly ILogger _logger;
    private readonly ConnectionLimiter? _limiter;
    private readonly ListenerRefusals? _refusals;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _sessions = new();
    private Socket? _socket;
    private Task? _acceptLoop;
    private long _lastRefusalLog;

    /// <param name="limiter">Null: every connection is admitted (listeners outside the engine's host).</param>
    /// <param name="refusals">What to write to a refused client; null: close without a word (implicit TLS ports).</param>
    public MailListener(string name, IPEndPoint endPoint, Func<Socket, CancellationToken, Task> handler, MailListenerRegistry registry, ILogger logger,
        ConnectionLimiter? limiter = null, ListenerRefusals? refusals = null)
    {
        _name = name;
        _endPoint = endPoint;
        _handler = handler;
        _registry = registry;
        _logger = logger;
        _limiter = limiter;
        _refusals = refusals;
    }

    /// <summary>The bound endpoint once started (the real port when 0 was asked for).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    public ConnectionLimiter? Limiter => _limiter;

    /// <exception cref="SocketException">AddressAlreadyInUse when another socket (another process) listens there.</exception>
    public void Start()
    {
        var socket = ExclusiveListenSocket.Bind(_endPoint);
        socket.Listen(512);
        _socket = socket;
        var bound = (IPEndPoint)socket.LocalEndPoint!;
        LocalEndPoint = bound;
        _registry.Register(_name, bound);
        _logger.LogInformation("Mail listener {Name} on {EndPoint}", _name, bound);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket!.AcceptAsync(_stopping.Token);
            }
            catch (OperationCanceledException) { break; }
            catch (ObjectDisposedException) { break; }
            catch (SocketException e)
            {
                // Out of file descriptors (EMFILE/ENFILE) or memory: the pending connection stays in the
                // backlog; retrying at once would spin a core, so wait a little.
                _logger.LogWarning("Accept failed on {Name}: {Error}", _name, e.SocketErrorCode);
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }

            var lease = default(ConnectionLease);
            if (_limiter is not null && client.RemoteEndPoint is IPEndPoint remote)
            {
                var refusal = _limiter.TryAdmit(remote.Address, out lease);
                if (refusal != ConnectionRefusal.None)
                {
                    Refuse(client, remote, refusal);
                    continue;
                }
            }

            client.NoDelay = true;
            _registry.Accepted(_name);
            var session = RunSessionAsync(client, lease);
            _sessions.TryAdd(session, 0);
            _ = session.ContinueWith(t => _sessions.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Writes the one-line refusal without waiting (the send buffer of a new socket is empty) and closes:
    /// a flood must cost the accept loop as little as possible.
    /// </summary>
    private void Refuse(Socket client, IPEndPoint remote, ConnectionRefusal refusal)
    {
        try
        {
            if (_refusals?.For(refusal) is { } reply)
            {
                client.Blocking = false;
                client.Send(reply, SocketFlags.None, out _);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The client is gone already.
        }
        finally
        {
            client.Dispose();
        }
        // One line a second at most: a flood must not become a log flood.
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastRefusalLog);
        if (now - last >= 1000 && Interlocked.CompareExchange(ref _lastRefusalLog, now, last) == last)
            _logger.LogWarning("{Name}: refused a connection from {Remote}: {Limit} limit ({PerAddress} per address, {Total} in total) reached",
                _name, remote.Address, refusal == ConnectionRefusal.PerAddress ? "per-address" : "total", _limiter!.PerAddress, _limiter.Total);
    }

    private async Task RunSessionAsync(Socket client, ConnectionLease lease)
    {
        await Task.Yield();
        // Set inside this async method, both flow into the session and end with it.
        var scope = new MailSessionScope(_name, client.RemoteEndPoint);
        MailSessionScope.Current = scope;
        using var logScope = _logger.BeginScope(scope);
        try
        {
            await _handler(client, _stopping.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The peer went away or we are stopping.
        }
        catch (Exception e)
        {
            _logger.LogError(e, "{Name} session failed", _name);
        }
        finally
        {
            client.Dispose();
            lease.Release();
        }
    }

    public async Task StopAsync()
    {
        _stopping.Cancel();
        _socket?.Dispose();
        _registry.Unregister(_name);
        if (_acceptLoop is not null)
            await _acceptLoop;
        await Task.WhenAll(_sessions.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
