using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Hosting;

/// <summary>The end points the mail listeners actually bound (useful when a port was chosen by the OS).</summary>
public interface IMailListenerRegistry
{
    IReadOnlyDictionary<string, IPEndPoint> EndPoints { get; }

    /// <summary>The bound port of a listener ("pop3", "pop3s", ...), or null when it is disabled.</summary>
    int? GetPort(string name);
}

public sealed class MailListenerRegistry(MailMetrics? metrics = null) : IMailListenerRegistry
{
    private readonly ConcurrentDictionary<string, IPEndPoint> _endPoints = new(StringComparer.OrdinalIgnoreCase);
    public IReadOnlyDictionary<string, IPEndPoint> EndPoints => _endPoints;
    public int? GetPort(string name) => _endPoints.TryGetValue(name, out var ep) ? ep.Port : null;
    internal void Register(string name, IPEndPoint endPoint) => _endPoints[name] = endPoint;
    internal void Unregister(string name) => _endPoints.TryRemove(name, out _);

    /// <summary>Counts a connection a listener accepted (metrics).</summary>
    internal void Accepted(string name) => metrics?.ConnectionAccepted(name);
}

/// <summary>
/// One listening socket and its accept loop. Each connection runs as an async task (no thread per
/// connection); <see cref="StopAsync"/> stops accepting and cancels the sessions.
/// </summary>
internal sealed class MailListener(string name, IPEndPoint endPoint, Func<Socket, CancellationToken, Task> handler, MailListenerRegistry registry, ILogger logger)
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _sessions = new();
    private Socket? _socket;
    private Task? _acceptLoop;

    /// <summary>The bound endpoint once started (the real port when 0 was asked for).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    public void Start()
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(endPoint);
        socket.Listen(512);
        _socket = socket;
        var bound = (IPEndPoint)socket.LocalEndPoint!;
        LocalEndPoint = bound;
        registry.Register(name, bound);
        logger.LogInformation("Mail listener {Name} on {EndPoint}", name, bound);
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
                logger.LogWarning(e, "Accept failed on {Name}", name);
                continue;
            }
            client.NoDelay = true;
            registry.Accepted(name);
            var session = RunSessionAsync(client);
            _sessions.TryAdd(session, 0);
            _ = session.ContinueWith(t => _sessions.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task RunSessionAsync(Socket client)
    {
        await Task.Yield();
        try
        {
            await handler(client, _stopping.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The peer went away or we are stopping.
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Name} session failed", name);
        }
        finally
        {
            client.Dispose();
        }
    }

    public async Task StopAsync()
    {
        _stopping.Cancel();
        _socket?.Dispose();
        registry.Unregister(name);
        if (_acceptLoop is not null)
            await _acceptLoop;
        await Task.WhenAll(_sessions.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
