using System.Buffers.Binary;
using System.Net;
using System.Text;
using HostingPanel.MailEngine.Protocol.Proxy;

namespace HostingPanel.MailEngine.Tests.Proxy;

/// <summary>
/// The PROXY protocol header (haproxy's proxy-protocol.txt, sections 2.1 and 2.2): the examples of the
/// specification, every valid header fed split at every byte offset, and what a receiver must refuse.
/// </summary>
public sealed class ProxyHeaderParserTests
{
    /// <summary>Parses whole (followed by client bytes, which are not part of it), then every prefix must say NeedMore.</summary>
    private static ProxyHeader ParseEveryPrefix(byte[] header)
    {
        var withClientBytes = header.Concat("a001 CAPABILITY\r\n"u8.ToArray()).ToArray();
        Assert.Equal(ProxyParseStatus.Complete, ProxyHeaderParser.TryParse(withClientBytes, out var parsed, out var length));
        Assert.Equal(header.Length, length);
        for (var split = 0; split < header.Length; split++)
            Assert.Equal(ProxyParseStatus.NeedMore, ProxyHeaderParser.TryParse(header.AsSpan(0, split), out _, out _));
        return parsed!;
    }

    private static void Invalid(byte[] data) =>
        Assert.Equal(ProxyParseStatus.Invalid, ProxyHeaderParser.TryParse(data, out _, out _));

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public void Section21_Tcp4Example_GivesTheClientsAddressAndPort()
    {
        var header = ParseEveryPrefix(Ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"));
        Assert.Equal(1, header.Version);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.168.0.1"), 56324), header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.168.0.11"), 443), header.Destination);
    }

    [Fact]
    public void Section21_Tcp6_GivesTheClientsAddress()
    {
        var header = ParseEveryPrefix(Ascii("PROXY TCP6 2001:db8::1 2001:db8::2 65535 993\r\n"));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 65535), header.Source);
    }

    [Fact]
    public void Section21_Unknown_IgnoresTheRestOfTheLine_AndNamesNoClient()
    {
        Assert.Null(ParseEveryPrefix(Ascii("PROXY UNKNOWN\r\n")).Source);
        // The worst case of section 2.1: 107 bytes.
        var worst = Ascii("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n".Replace("f...f", "ffff:ffff:ffff:ffff:ffff:ffff"));
        Assert.Equal(107, worst.Length);
        Assert.Null(ParseEveryPrefix(worst).Source);
    }

    [Theory]
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\n")]           // LF without CR
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 \r\n")]         // trailing space: a sixth field
    [InlineData("PROXY TCP4  192.168.0.1 192.168.0.11 56324 443\r\n")]         // two spaces
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 65536 443\r\n")]          // port out of range
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 056324 443\r\n")]         // leading zero
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 -1 443\r\n")]
    [InlineData("PROXY TCP4 2001:db8::1 192.168.0.11 56324 443\r\n")]          // IPv6 address under TCP4
    [InlineData("PROXY TCP6 192.168.0.1 2001:db8::2 56324 443\r\n")]           // IPv4 address under TCP6
    [InlineData("PROXY TCP4 3232235521 192.168.0.11 56324 443\r\n")]           // an integer is not a dotted quad
    [InlineData("PROXY TCP6 fe80::1%eth0 2001:db8::2 56324 443\r\n")]          // scope ids are not addresses on the wire
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n")]              // a field missing
    [InlineData("PROXY UDP4 192.168.0.1 192.168.0.11 56324 443\r\n")]
    [InlineData("proxy TCP4 192.168.0.1 192.168.0.11 56324 443\r\n")]          // the keyword is case-sensitive
    [InlineData("PROXY TCP4 192.168.0.1\t192.168.0.11 56324 443\r\n")]         // control characters
    [InlineData("a001 LOGIN user password\r\n")]                                // no header at all
    [InlineData("EHLO client.example\r\n")]
    [InlineData("\r\nQUIT\r\n")]                                           // CRLF, then not the v2 signature
    public void Section21_MalformedOrMissing_IsInvalid(string text) => Invalid(Ascii(text));

    [Fact]
    public void Section21_NoLineEndWithin107Bytes_IsInvalid_NotAWaitForMore()
    {
        Invalid(Ascii("PROXY UNKNOWN " + new string('x', 93)));
        Assert.Equal(ProxyParseStatus.NeedMore, ProxyHeaderParser.TryParse(Ascii("PROXY UNKNOWN " + new string('x', 92)), out _, out _));
    }

    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static byte[] V2(byte versionCommand, byte familyTransport, byte[] addresses)
    {
        var header = new byte[16 + addresses.Length];
        Signature.CopyTo(header, 0);
        header[12] = versionCommand;
        header[13] = familyTransport;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)addresses.Length);
        addresses.CopyTo(header, 16);
        return header;
    }

    private static byte[] Addresses(string source, string destination, ushort sourcePort, ushort destinationPort, byte[]? tlvs = null) =>
    [
        .. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(),
        (byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort, .. tlvs ?? [],
    ];

    [Fact]
    public void Section22_ProxyTcp4_GivesTheClientsAddressAndPort()
    {
        var header = ParseEveryPrefix(V2(0x21, 0x11, Addresses("203.0.113.7", "192.0.2.1", 40000, 993)));
        Assert.Equal(2, header.Version);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 40000), header.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 993), header.Destination);
    }

    [Fact]
    public void Section22_ProxyTcp6_WithTlvs_SkipsTheTlvs()
    {
        // PP2_TYPE_UNIQUE_ID (0x05) and PP2_TYPE_NOOP (0x04), as haproxy may append them.
        byte[] tlvs = [0x05, 0x00, 0x03, (byte)'a', (byte)'b', (byte)'c', 0x04, 0x00, 0x02, 0x00, 0x00];
        var header = ParseEveryPrefix(V2(0x21, 0x21, Addresses("2001:db8::7", "2001:db8::1", 1, 143, tlvs)));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::7"), 1), header.Source);
    }

    [Fact]
    public void Section22_Local_AndUnspecOrUnixFamilies_NameNoClient()
    {
        Assert.Null(ParseEveryPrefix(V2(0x20, 0x00, [])).Source);                                   // LOCAL: a health check
        Assert.Null(ParseEveryPrefix(V2(0x20, 0x11, Addresses("10.0.0.1", "10.0.0.2", 1, 2))).Source); // LOCAL ignores addresses
        Assert.Null(ParseEveryPrefix(V2(0x21, 0x00, [])).Source);                                   // UNSPEC
        Assert.Null(ParseEveryPrefix(V2(0x21, 0x31, new byte[216])).Source);                        // AF_UNIX stream
    }

    [Fact]
    public void Section22_BadVersionCommandFamilyOrLength_IsInvalid()
    {
        var good = Addresses("203.0.113.7", "192.0.2.1", 40000, 993);
        Invalid(V2(0x11, 0x11, good));                     // version 1 in a v2 header
        Invalid(V2(0x31, 0x11, good));                     // version 3
        Invalid(V2(0x22, 0x11, good));                     // command 2
        Invalid(V2(0x21, 0x41, good));                     // family 4
        Invalid(V2(0x21, 0x13, good));                     // transport 3
        Invalid(V2(0x21, 0x12, good));                     // a datagram flow is not this stream
        Invalid(V2(0x21, 0x11, good[..11]));               // shorter than two IPv4 addresses and ports
        Invalid(V2(0x21, 0x21, good));                     // IPv4-sized block under AF_INET6
        // A length past the bound is refused at once, before its bytes arrive (bounded memory).
        var huge = V2(0x21, 0x11, good)[..16];
        BinaryPrimitives.WriteUInt16BigEndian(huge.AsSpan(14), 60000);
        Invalid(huge);
        // A broken signature is refused as soon as the first differing byte is seen.
        Invalid([0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x52]);
    }

    [Fact]
    public void Section22_LargestAllowedHeader_IsComplete_OneByteMoreIsInvalid()
    {
        var tlvLength = ProxyHeaderParser.MaxV2Length - 16 - 12 - 3;
        byte[] tlv = [0x04, (byte)(tlvLength >> 8), (byte)tlvLength, .. new byte[tlvLength]];
        var largest = V2(0x21, 0x11, Addresses("203.0.113.7", "192.0.2.1", 1, 2, tlv));
        Assert.Equal(ProxyHeaderParser.MaxV2Length, largest.Length);
        Assert.Equal(ProxyParseStatus.Complete, ProxyHeaderParser.TryParse(largest, out _, out _));
        Invalid(V2(0x21, 0x11, Addresses("203.0.113.7", "192.0.2.1", 1, 2, [.. tlv, 0])));
    }
}
