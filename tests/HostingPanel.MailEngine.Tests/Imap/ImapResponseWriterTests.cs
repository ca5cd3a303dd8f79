using System.Buffers;
using System.Text;
using HostingPanel.MailEngine.Protocol.Imap;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Imap;

public sealed class ImapResponseWriterTests
{
    private static string Write(Action<ImapResponseWriter> write, bool utf8 = false)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(new ImapResponseWriter(buffer, utf8));
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Rfc9051_TaggedOkWithCode() =>
        Assert.Equal("A142 OK [READ-WRITE] SELECT completed\r\n", Write(w => w.Tagged("A142", ImapStatus.Ok, "SELECT completed", ImapResponseCode.ReadWrite)));

    [Fact]
    public void Rfc4315_AppendUid() =>
        Assert.Equal("A003 OK [APPENDUID 38505 3955] APPEND completed\r\n", Write(w => w.Tagged("A003", ImapStatus.Ok, "APPEND completed", ImapResponseCode.AppendUid(38505, [3955]))));

    [Fact]
    public void Rfc4315_CopyUid_CompressesRangesInOrder() =>
        Assert.Equal(
            "A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n",
            Write(w => w.Tagged("A004", ImapStatus.Ok, "Done", ImapResponseCode.CopyUid(38505, [304, 319, 320], [3956, 3957, 3958]))));

    [Fact]
    public void PermanentFlags_WithNewKeywords() =>
        Assert.Equal("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n", Write(w => w.UntaggedStatus(ImapStatus.Ok, "Limited", ImapResponseCode.PermanentFlags(["\\Deleted", "\\Seen"], true))));

    [Fact]
    public void Continuation() => Assert.Equal("+ Ready\r\n", Write(w => w.Continuation()));

    [Fact]
    public void StatusText_NeverSpansLines() =>
        Assert.Equal("a BAD x y\r\n", Write(w => w.Tagged("a", ImapStatus.Bad, "x\ny")));

    [Theory]
    [InlineData("simple", "\"simple\"")]
    [InlineData("with \"quote\" and \\", "\"with \\\"quote\\\" and \\\\\"")]
    [InlineData("line\r\nbreak", "{11}\r\nline\r\nbreak")]
    [InlineData("caf\u00e9", "{5}\r\ncaf\u00e9")]
    public void String_ChoosesQuotedOrLiteral(string value, string expected) =>
        Assert.Equal(expected, Write(w => w.String(value)));

    [Fact]
    public void String_With8Bit_StaysQuotedAfterUtf8Accept() =>
        Assert.Equal("\"caf\u00e9\"", Write(w => w.String("caf\u00e9"), utf8: true));

    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("NIL", "\"NIL\"")]
    [InlineData("", "\"\"")]
    [InlineData("a b", "\"a b\"")]
    public void AString_PrefersAtoms(string value, string expected) => Assert.Equal(expected, Write(w => w.AString(value)));

    [Fact]
    public void NString_NullIsNil() => Assert.Equal("NIL", Write(w => w.NString((string?)null)));

    [Fact]
    public void Mailbox_IsModifiedUtf7UnlessUtf8()
    {
        Assert.Equal("Entw&APw-rfe", Write(w => w.Mailbox("Entw\u00fcrfe")));
        Assert.Equal("\"a b\"", Write(w => w.Mailbox("a b")));
        Assert.Equal("\"Entw\u00fcrfe\"", Write(w => w.Mailbox("Entw\u00fcrfe"), utf8: true));
    }

    [Fact]
    public void Rfc9051_ExistsAndFlagsLine() =>
        Assert.Equal(
            "* 172 EXISTS\r\n* FLAGS (\\Answered \\Flagged)\r\n",
            Write(w =>
            {
                w.Untagged().Number(172UL).Raw(" EXISTS"u8).EndLine();
                w.Untagged().Atom("FLAGS").Space().AtomList(["\\Answered", "\\Flagged"]).EndLine();
            }));

    [Fact]
    public void Literal8_ForBinaryWithNul() => Assert.Equal("~{3}\r\na\0b", Write(w => w.Literal8("a\0b"u8)));
}
