using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>
/// A TCP relay in front of the engine's IMAP port whose connections can be cut at will: to the client
/// this is exactly a server that dropped the connection (a restart, a network failure, an idle timeout).
/// </summary>
public sealed class DroppingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly ConcurrentDictionary<TcpClient, byte> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public DroppingProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Accepted;

    /// <summary>Closes every relayed connection, both ends.</summary>
    public void DropAll()
    {
        foreach (var connection in _connections.Keys)
        {
            connection.Client.Close(0);
            _connections.TryRemove(connection, out _);
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try { inbound = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref Accepted);
            var outbound = new TcpClient();
            await outbound.ConnectAsync(IPAddress.Loopback, _targetPort);
            _connections[inbound] = 0;
            _connections[outbound] = 0;
            _ = PumpAsync(inbound, outbound);
            _ = PumpAsync(outbound, inbound);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to)
    {
        try { await from.GetStream().CopyToAsync(to.GetStream()); }
        catch (Exception) { /* the other direction was cut */ }
        finally
        {
            from.Client.Close(0);
            to.Client.Close(0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        try { await _accepting; } catch (Exception) { }
    }
}
