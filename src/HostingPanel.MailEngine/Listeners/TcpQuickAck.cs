using System.Net.Sockets;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>
/// Asks Linux to acknowledge the next data from the client at once (TCP_QUICKACK, tcp(7)), for the moment a
/// server has just asked for more and will say nothing until it has it: after "+" for a synchronizing
/// literal. A client with Nagle's algorithm on (Python's imaplib, many desktop programs) writes the literal
/// and the rest of the line separately and holds the second write until the first is acknowledged; the
/// kernel, having just answered the client, delays that ACK (40 ms at least), and every such command
/// stalls that long. The option is not sticky (the kernel returns to delayed ACKs on its own), so it is
/// asked for again at each continuation. A no-op elsewhere than Linux.
/// </summary>
internal static class TcpQuickAck
{
    private const int IpProtoTcp = 6;      // IPPROTO_TCP
    private const int TcpQuickAckOption = 12; // TCP_QUICKACK, linux/tcp.h
    private static readonly byte[] On = BitConverter.GetBytes(1);

    public static void Request(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
            return;
        try
        {
            socket.SetRawSocketOption(IpProtoTcp, TcpQuickAckOption, On);
        }
        catch (SocketException)
        {
            // A socket already closed by the client: nothing to acknowledge.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
