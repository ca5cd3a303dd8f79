using System.Buffers;
using System.Net.Sockets;
using HostingPanel.MailEngine.Protocol.Proxy;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>A trusted balancer's connection did not start with a valid PROXY header (or ended first).</summary>
internal sealed class ProxyHeaderException(string message) : Exception(message);

/// <summary>
/// Takes exactly the PROXY header off a socket and nothing after it, so that the session that follows
/// reads the client's first bytes itself (a pipelining client may send them in the same segment).
/// Each round peeks at what has arrived: if it completes the header, only the header's bytes are
/// consumed; if not, what arrived is consumed and the next peek waits for more (no busy loop, and
/// no buffer to hand over to the session).
/// </summary>
internal static class ProxyHeaderReader
{
    /// <exception cref="ProxyHeaderException">Malformed, oversized, or the peer closed before the header ended.</exception>
    /// <exception cref="OperationCanceledException">The time allowed ran out (<paramref name="cancellationToken"/>).</exception>
    public static async Task<ProxyHeader> ReadAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ProxyHeaderParser.MaxLength);
        try
        {
            var consumed = 0;
            while (true)
            {
                var peeked = await socket.ReceiveAsync(buffer.AsMemory(consumed, ProxyHeaderParser.MaxLength - consumed), SocketFlags.Peek, cancellationToken);
                if (peeked == 0)
                    throw new ProxyHeaderException("connection closed before the end of the PROXY header");
                var status = ProxyHeaderParser.TryParse(buffer.AsSpan(0, consumed + peeked), out var header, out var length);
                if (status == ProxyParseStatus.Invalid)
                    throw new ProxyHeaderException("malformed PROXY header");
                var take = status == ProxyParseStatus.Complete ? length - consumed : peeked;
                await ReceiveExactlyAsync(socket, buffer.AsMemory(consumed, take), cancellationToken);
                consumed += take;
                if (status == ProxyParseStatus.Complete)
                    return header!;
                if (consumed >= ProxyHeaderParser.MaxLength)
                    throw new ProxyHeaderException("PROXY header too long");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Consumes bytes a peek has already seen: they are in the socket's buffer, so this does not wait.</summary>
    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> target, CancellationToken cancellationToken)
    {
        while (!target.IsEmpty)
        {
            var read = await socket.ReceiveAsync(target, SocketFlags.None, cancellationToken);
            if (read == 0)
                throw new ProxyHeaderException("connection closed inside the PROXY header");
            target = target[read..];
        }
    }
}
