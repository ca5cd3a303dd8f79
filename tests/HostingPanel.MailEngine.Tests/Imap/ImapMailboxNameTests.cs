using HostingPanel.MailEngine.Protocol.Imap;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Imap;

public sealed class ImapMailboxNameTests
{
    [Theory]
    [InlineData("~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")] // RFC 3501 5.1.3
    [InlineData("Entw\u00fcrfe", "Entw&APw-rfe")]
    [InlineData("A&B", "A&-B")]
    [InlineData("Caf\u00e9 & Bar", "Caf&AOk- &- Bar")]
    [InlineData("\U0001F600", "&2D3eAA-")]
    [InlineData("plain", "plain")]
    public void Rfc3501_ModifiedUtf7_RoundTrips(string name, string wire)
    {
        Assert.Equal(wire, ImapModifiedUtf7.Encode(name));
        Assert.True(ImapModifiedUtf7.TryDecode(wire, out var decoded, out _));
        Assert.Equal(name, decoded);
    }

    [Theory]
    [InlineData("&Jjo!", "unterminated")]
    [InlineData("&U,BTFw", "unterminated run")]
    [InlineData("&AGE-", "printable ASCII encoded")]
    [InlineData("&AOk-&AOk-", "two adjacent runs")]
    [InlineData("&AOl-", "non-zero leftover bits")]
    [InlineData("&AO-", "leftover bits, no unit")]
    [InlineData("&2D0-", "lone high surrogate")]
    [InlineData("&3gA-", "lone low surrogate")]
    [InlineData("&AO*-", "bad base64 character")]
    [InlineData("Entw\u00fcrfe", "8-bit character unencoded")]
    [InlineData("a\0b", "NUL")]
    [InlineData("a\tb", "control character")]
    public void ModifiedUtf7_NonCanonical_IsRefused(string wire, string why)
    {
        Assert.False(ImapModifiedUtf7.TryDecode(wire, out _, out var error), why);
        Assert.NotNull(error);
        Assert.False(ImapMailboxName.TryDecode(wire, utf8Enabled: false, out _, out _), why);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/Sent")]
    [InlineData("Sent/")]
    [InlineData("a//b")]
    [InlineData("..")]
    [InlineData("a/../b")]
    [InlineData("./a")]
    [InlineData("a%")]
    [InlineData("a*b")]
    [InlineData("&AAA-")] // decodes to NUL
    [InlineData("&AA0-")] // decodes to CR
    [InlineData("&AIU-")] // decodes to NEL, a C1 control
    public void InvalidFolderNames_AreRefused(string wire) =>
        Assert.False(ImapMailboxName.TryDecode(wire, utf8Enabled: false, out _, out _));

    [Fact]
    public void TooLongSegment_IsRefused() =>
        Assert.False(ImapMailboxName.TryDecode(new string('a', 256), false, out _, out _));

    [Fact]
    public void TooDeepHierarchy_IsRefused() =>
        Assert.False(ImapMailboxName.TryDecode(string.Join('/', Enumerable.Repeat("a", 33)), false, out _, out _));

    [Theory]
    [InlineData("inbox", "INBOX")]
    [InlineData("Inbox/Sub", "INBOX/Sub")]
    [InlineData("Inboxes", "Inboxes")]
    public void Inbox_IsCaseInsensitiveAsFirstLevel(string wire, string name)
    {
        Assert.True(ImapMailboxName.TryDecode(wire, false, out var decoded, out _));
        Assert.Equal(name, decoded);
    }

    [Fact]
    public void Utf8Mode_TakesNamesAsTheyAre_ButStillValidates()
    {
        Assert.True(ImapMailboxName.TryDecode("Entw\u00fcrfe", utf8Enabled: true, out var name, out _));
        Assert.Equal("Entw\u00fcrfe", name);
        Assert.False(ImapMailboxName.TryDecode("a\0b", utf8Enabled: true, out _, out _));
        Assert.False(ImapMailboxName.TryDecode("a/../b", utf8Enabled: true, out _, out _));
    }

    [Fact]
    public void ValidatorAndConverter_Agree_OnEveryBmpCharacter()
    {
        // Whatever the converter encodes from a valid name, it decodes back, and the reverse.
        for (var c = 1; c < 0xFFFF; c += 7)
        {
            if (char.IsSurrogate((char)c))
            {
                continue;
            }

            var name = "x" + (char)c + "y";
            var valid = ImapMailboxName.Validate(name, out _);
            var wire = ImapModifiedUtf7.Encode(name);
            var decodes = ImapMailboxName.TryDecode(wire, false, out var back, out _);
            Assert.Equal(valid, decodes);
            if (valid)
            {
                Assert.Equal(name, back);
            }
        }
    }

    [Fact]
    public void ParserAndConverter_Agree_On8BitLiteralNames()
    {
        // 8-bit bytes reach the name only through a literal; without UTF8=ACCEPT the converter refuses them.
        var parsed = ImapCommandParser.Parse("a SELECT {7+}\r\nEntw\u00fcr\r\n");
        var select = Assert.IsType<HostingPanel.MailEngine.Protocol.Imap.Commands.ImapSelectCommand>(parsed.Command);
        Assert.False(ImapMailboxName.TryDecode(select.Mailbox, false, out _, out _));
        Assert.True(ImapMailboxName.TryDecode(select.Mailbox, true, out _, out _));
    }
}
