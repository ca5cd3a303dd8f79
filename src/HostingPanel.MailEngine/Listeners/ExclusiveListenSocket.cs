using System.Net;
using System.Net.Sockets;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>
/// A listening socket that owns its port: a second process asking for the same port fails with
/// AddressAlreadyInUse, as Kestrel's does.
/// </summary>
internal static class ExclusiveListenSocket
{
    private const int SolSocket = 1;   // SOL_SOCKET on Linux
    private const int SoReuseAddr = 2; // SO_REUSEADDR on Linux

    public static Socket Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Note: never Socket.ReuseAddress. On Linux .NET maps it to SO_REUSEADDR *and* SO_REUSEPORT,
            // and SO_REUSEPORT lets a second process bind the same port: both then receive connections
            // (seen: two copies running, 9 of 10 inbound recipients bounced). The plain SO_REUSEADDR set
            // here only allows a restart while old connections of this port sit in TIME_WAIT; Linux still
            // refuses it while another socket listens on the port.
            if (OperatingSystem.IsLinux())
                socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            else
                socket.ExclusiveAddressUse = true;
            socket.Bind(endPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
