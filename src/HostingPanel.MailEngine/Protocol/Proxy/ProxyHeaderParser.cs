using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostingPanel.MailEngine.Protocol.Proxy;

/// <summary>What a balancer said about the connection it opened on a client's behalf.</summary>
/// <param name="Source">The client's address and port; null for v1 <c>UNKNOWN</c>, v2 <c>LOCAL</c> or a family we do not carry
/// (AF_UNIX, AF_UNSPEC): then the balancer's own connection is the client (its health checks).</param>
/// <param name="Destination">The address and port the client connected to on the balancer, when given.</param>
internal sealed record ProxyHeader(int Version, IPEndPoint? Source, IPEndPoint? Destination);

internal enum ProxyParseStatus
{
    /// <summary>The bytes so far are a valid beginning; more are needed.</summary>
    NeedMore,
    Complete,
    /// <summary>Not a PROXY header, or a malformed or oversized one: the connection is closed.</summary>
    Invalid,
}

/// <summary>
/// The PROXY protocol header, versions 1 and 2 (haproxy's "The PROXY protocol", revision 2.9,
/// https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt). Pure: bytes in, a header and its
/// length out, never touching a socket; resumable (<see cref="ProxyParseStatus.NeedMore"/>), and it
/// never asks for more than <see cref="MaxLength"/> bytes.
/// </summary>
/// <remarks>
/// v1 (section 2.1): <c>"PROXY" SP ( "TCP4" | "TCP6" ) SP src-address SP dst-address SP src-port SP dst-port CRLF</c>
/// or <c>"PROXY UNKNOWN" *( any but CR LF ) CRLF</c>, at most 107 bytes with the CRLF.
/// v2 (section 2.2): the 12-byte signature, version/command (0x20 LOCAL, 0x21 PROXY), family/transport,
/// a 16-bit big-endian length, then that many bytes: the addresses of the family, then TLVs (ignored).
/// </remarks>
internal static class ProxyHeaderParser
{
    /// <summary>Section 2.1: "a receiver may wait for 107 bytes" at most for a v1 header.</summary>
    public const int MaxV1Length = 107;

    /// <summary>
    /// The bound on a v2 header (16 fixed bytes, addresses and TLVs). The protocol allows 65,535 bytes
    /// of addresses and TLVs; a balancer sends 12 or 36 bytes of addresses and a few short TLVs (haproxy's
    /// unique id is at most 128 bytes), so 1 KiB is generous and bounds what one connection can make us hold.
    /// </summary>
    public const int MaxV2Length = 1024;

    public const int MaxLength = MaxV2Length;

    private const int V2FixedLength = 16;
    private const byte ByteCR = (byte)'\r';
    private const byte ByteLF = (byte)'\n';

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;
    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static ProxyParseStatus TryParse(ReadOnlySpan<byte> data, out ProxyHeader? header, out int length)
    {
        header = null;
        length = 0;
        if (data.IsEmpty)
            return ProxyParseStatus.NeedMore;
        // Section 2.2: the first byte tells the versions apart ('P' for v1, CR for v2).
        if (data[0] == V1Prefix[0])
            return TryParseV1(data, out header, out length);
        if (data[0] == V2Signature[0])
            return TryParseV2(data, out header, out length);
        return ProxyParseStatus.Invalid;
    }

    private static ProxyParseStatus TryParseV1(ReadOnlySpan<byte> data, out ProxyHeader? header, out int length)
    {
        header = null;
        length = 0;
        var prefix = Math.Min(data.Length, V1Prefix.Length);
        if (!data[..prefix].SequenceEqual(V1Prefix[..prefix]))
            return ProxyParseStatus.Invalid;
        var window = data[..Math.Min(data.Length, MaxV1Length)];
        var lf = window.IndexOf(ByteLF);
        if (lf < 0)
            return data.Length >= MaxV1Length ? ProxyParseStatus.Invalid : ProxyParseStatus.NeedMore;
        if (lf == 0 || window[lf - 1] != ByteCR)
            return ProxyParseStatus.Invalid;
        var line = window[V1Prefix.Length..(lf - 1)];
        foreach (var b in line)
            if (b is < 0x20 or > 0x7E)
                return ProxyParseStatus.Invalid;
        var fields = Encoding.ASCII.GetString(line).Split(' ');
        length = lf + 1;
        if (fields[0] == "UNKNOWN")
        {
            // Section 2.1: "the receiver must ignore anything presented before the CRLF is found".
            header = new ProxyHeader(1, null, null);
            return ProxyParseStatus.Complete;
        }
        var family = fields[0] switch
        {
            "TCP4" => AddressFamily.InterNetwork,
            "TCP6" => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        if (family == AddressFamily.Unknown || fields.Length != 5
            || !TryParseV1Address(fields[1], family, out var source) || !TryParseV1Address(fields[2], family, out var destination)
            || !TryParseV1Port(fields[3], out var sourcePort) || !TryParseV1Port(fields[4], out var destinationPort))
        {
            length = 0;
            return ProxyParseStatus.Invalid;
        }
        header = new ProxyHeader(1, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return ProxyParseStatus.Complete;
    }

    /// <summary>Section 2.1: an address in its usual textual form, of the family the protocol field named.</summary>
    private static bool TryParseV1Address(string text, AddressFamily family, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Length == 0 || !IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != family)
            return false;
        // Note: IPAddress.TryParse also takes "1", "0x7f.1" and "::1%eth0"; the spec allows none of these.
        if (family == AddressFamily.InterNetwork && parsed.ToString() != text)
            return false;
        if (family == AddressFamily.InterNetworkV6 && (text.Contains('%') || parsed.ScopeId != 0))
            return false;
        address = parsed;
        return true;
    }

    /// <summary>Section 2.1: a decimal number from 0 to 65535, without leading zeros.</summary>
    private static bool TryParseV1Port(string text, out int port)
    {
        port = 0;
        if (text.Length is 0 or > 5 || text.Length > 1 && text[0] == '0')
            return false;
        foreach (var c in text)
            if (c is < '0' or > '9')
                return false;
        port = int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        return port <= 65535;
    }

    private static ProxyParseStatus TryParseV2(ReadOnlySpan<byte> data, out ProxyHeader? header, out int length)
    {
        header = null;
        length = 0;
        var prefix = Math.Min(data.Length, V2Signature.Length);
        if (!data[..prefix].SequenceEqual(V2Signature[..prefix]))
            return ProxyParseStatus.Invalid;
        if (data.Length > V2Signature.Length && (data[12] >> 4) != 2)
            return ProxyParseStatus.Invalid; // section 2.2: "other values ... must be rejected"
        if (data.Length < V2FixedLength)
            return ProxyParseStatus.NeedMore;
        var command = data[12] & 0x0F;
        if (command > 1)
            return ProxyParseStatus.Invalid;
        var addressFamily = data[13] >> 4;
        var transport = data[13] & 0x0F;
        if (addressFamily > 3 || transport > 2)
            return ProxyParseStatus.Invalid;
        var total = V2FixedLength + BinaryPrimitives.ReadUInt16BigEndian(data[14..16]);
        if (total > MaxV2Length)
            return ProxyParseStatus.Invalid;
        if (data.Length < total)
            return ProxyParseStatus.NeedMore;
        var addresses = data[V2FixedLength..total];
        length = total;
        // LOCAL (0x20): the balancer's own connection (a health check); "the receiver must ... use the real
        // connection endpoints" and ignore the rest. UNSPEC family or transport, or AF_UNIX: likewise.
        if (command == 0 || addressFamily is 0 or 3 || transport == 0)
        {
            header = new ProxyHeader(2, null, null);
            return ProxyParseStatus.Complete;
        }
        // A mail listener is a stream: a header describing a datagram flow is not about this connection.
        if (transport != 1)
        {
            length = 0;
            return ProxyParseStatus.Invalid;
        }
        var addressLength = addressFamily == 1 ? 4 : 16;
        if (addresses.Length < 2 * addressLength + 4)
        {
            length = 0;
            return ProxyParseStatus.Invalid;
        }
        var source = new IPAddress(addresses[..addressLength]);
        var destination = new IPAddress(addresses[addressLength..(2 * addressLength)]);
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(addresses[(2 * addressLength)..]);
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(addresses[(2 * addressLength + 2)..]);
        header = new ProxyHeader(2, new IPEndPoint(source, sourcePort), new IPEndPoint(destination, destinationPort));
        return ProxyParseStatus.Complete;
    }
}
