using System.Net;
using System.Net.Sockets;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>
/// One accepted mail connection as the sessions see it: the socket, and who the client is. Behind a
/// trusted balancer <see cref="RemoteEndPoint"/> is the client the PROXY header named, not the balancer;
/// sessions use it, never <c>Socket.RemoteEndPoint</c>.
/// </summary>
public sealed record MailConnection(Socket Socket, IPEndPoint RemoteEndPoint, IPEndPoint LocalEndPoint)
{
    /// <summary>The balancer the connection came through, when a PROXY header was believed.</summary>
    public IPEndPoint? Balancer { get; init; }

    /// <summary>A connection as accepted, with no balancer in front.</summary>
    public static MailConnection Direct(Socket socket) =>
        new(socket, (IPEndPoint)socket.RemoteEndPoint!, (IPEndPoint)socket.LocalEndPoint!);
}
