using System.Text;
using HostingPanel.MailEngine.Protocol.Imap.Search;

namespace HostingPanel.MailEngine.Tests.Imap;

/// <summary>The raw-header pre-check of header searches: "no" must never hide a real match.</summary>
public sealed class ImapRawHeaderFilterTests
{
    private const string Plain = "From: Alice <alice@example.org>\r\nSubject: Weekly INVOICE\r\n report\r\n\r\n";

    [Theory]
    [InlineData(Plain, "invoice", true)]
    [InlineData(Plain, "ALICE@EXAMPLE", true)]
    [InlineData(Plain, "bob", false)]
    [InlineData(Plain, "1234.corpus", false)]
    // Whitespace in the needle: unfolding may join "INVOICE\r\n report" to "INVOICE report".
    [InlineData(Plain, "invoice report", true)]
    // Encoded words, 8-bit and control bytes decode to something else: never ruled out.
    [InlineData("Subject: =?utf-8?q?b=6Fb?=\r\n\r\n", "bob", true)]
    [InlineData("Subject: J\u00f6rg\r\n\r\n", "bob", true)]
    [InlineData("Subject: b\u0001ob\r\n\r\n", "bob", true)]
    // Quoted-pairs and non-ASCII needles are left to the parser.
    [InlineData("From: \"a\\\"b\" <x@y>\r\n\r\n", "a\"b", true)]
    [InlineData(Plain, "Gr\u00fc\u00dfe", true)]
    public void MayContain(string header, string needle, bool expected) =>
        Assert.Equal(expected, ImapRawHeaderFilter.MayContain(Encoding.UTF8.GetBytes(header), needle));
}
