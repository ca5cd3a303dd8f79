using System.Diagnostics;
using System.Text;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap.Mime;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Imap;

public sealed class ImapMimeTests
{
    private const string Multipart =
        "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n" +
        "From: Fred Foobar <foobar@Blurdybloop.example>\r\n" +
        "Subject: afternoon\r\n meeting\r\n" +
        "To: mooch@owatagu.siam.edu.example, Group: a@b.example, c@d.example;\r\n" +
        "Message-Id: <B27397-0100000@Blurdybloop.example>\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=XX\r\n" +
        "\r\n" +
        "preamble\r\n" +
        "--XX\r\n" +
        "Content-Type: text/plain; charset=us-ascii\r\n" +
        "\r\n" +
        "line1\r\nline2\r\n" +
        "--XX\r\n" +
        "Content-Type: application/octet-stream; name=x.bin\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "Content-Disposition: attachment; filename=x.bin\r\n" +
        "\r\n" +
        "AAEC/w==\r\n" +
        "--XX\r\n" +
        "Content-Type: message/rfc822\r\n" +
        "\r\n" +
        "From: x@y.example\r\n" +
        "Subject: inner\r\n" +
        "\r\n" +
        "inner body\r\n" +
        "--XX--\r\n" +
        "epilogue\r\n";

    private static readonly byte[] Raw = Encoding.ASCII.GetBytes(Multipart);
    private static readonly ImapMessageStructure Structure = ImapMessageStructure.Parse(Raw);

    private static string Section(string spec, ImapPartial? partial = null)
    {
        var fetch = Assert.IsType<ImapFetchCommand>(ImapCommandParser.Parse("a FETCH 1 BODY[" + spec + "]\r\n").Command);
        var data = ImapSectionResolver.Body(Structure, Raw, fetch.Items[0].Section!, partial);
        return data.Data is { } bytes ? Encoding.ASCII.GetString(bytes.Span) : "NIL";
    }

    [Fact]
    public void Envelope_UsesRawHeaderValues_AndGroups()
    {
        var envelope = Encoding.ASCII.GetString(ImapEnvelopeWriter.ToBytes(Structure.Root.Message));
        Assert.Equal(
            "(\"Mon, 7 Feb 1994 21:52:25 -0800\" \"afternoon meeting\" ((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) " +
            "((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) ((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) " +
            "((NIL NIL \"mooch\" \"owatagu.siam.edu.example\")(NIL NIL \"Group\" NIL)(NIL NIL \"a\" \"b.example\")(NIL NIL \"c\" \"d.example\")(NIL NIL NIL NIL)) " +
            "NIL NIL NIL \"<B27397-0100000@Blurdybloop.example>\")",
            envelope);
    }

    [Fact]
    public void Envelope_NonAsciiDisplayName_IsEncodedWord()
    {
        var message = MimeKit.MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes("From: J\u00f6rg <j@x.example>\r\n\r\nx")), TestContext.Current.CancellationToken);
        var envelope = Encoding.ASCII.GetString(ImapEnvelopeWriter.ToBytes(message));
        Assert.Contains("\"=?utf-8?", envelope);
    }

    [Fact]
    public void BodyStructure_Multipart_WithMessagePart()
    {
        var text = Encoding.ASCII.GetString(ImapBodyStructureWriter.ToBytes(Structure, extensible: true));
        Assert.StartsWith("((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 2 NIL NIL NIL NIL)", text);
        Assert.Contains("(\"application\" \"octet-stream\" (\"name\" \"x.bin\") NIL NIL \"base64\" 8 NIL (\"attachment\" (\"filename\" \"x.bin\")) NIL NIL)", text);
        Assert.Contains("(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 47 (NIL \"inner\" ((NIL NIL \"x\" \"y.example\"))", text);
        Assert.EndsWith(" \"mixed\" (\"boundary\" \"XX\") NIL NIL NIL)", text);
    }

    [Fact]
    public void Body_NonExtensible_HasNoExtensionData()
    {
        var text = Encoding.ASCII.GetString(ImapBodyStructureWriter.ToBytes(Structure, extensible: false));
        Assert.StartsWith("((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 2)", text);
        Assert.EndsWith(" \"mixed\")", text);
    }

    [Fact]
    public void BodyStructure_SinglePartMessage()
    {
        var raw = "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n"u8.ToArray();
        var text = Encoding.ASCII.GetString(ImapBodyStructureWriter.ToBytes(ImapMessageStructure.Parse(raw), true));
        Assert.Equal("(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 7 1 NIL NIL NIL NIL)", text);
    }

    [Fact]
    public void Rfc9051_Sections()
    {
        Assert.Equal(Multipart, Section(""));
        Assert.Equal(Multipart[..Multipart.IndexOf("preamble", StringComparison.Ordinal)], Section("HEADER"));
        Assert.StartsWith("preamble\r\n--XX", Section("TEXT"));
        Assert.Equal("line1\r\nline2", Section("1"));
        Assert.Equal("Content-Type: text/plain; charset=us-ascii\r\n\r\n", Section("1.MIME"));
        Assert.Equal("AAEC/w==", Section("2"));
        Assert.Equal("From: x@y.example\r\nSubject: inner\r\n\r\ninner body", Section("3"));
        Assert.Equal("From: x@y.example\r\nSubject: inner\r\n\r\n", Section("3.HEADER"));
        Assert.Equal("inner body", Section("3.TEXT"));
        Assert.Equal("inner body", Section("3.1"));
        Assert.Equal("Subject: inner\r\n\r\n", Section("3.HEADER.FIELDS (SUBJECT)"));
        Assert.Equal("NIL", Section("4"));
        Assert.Equal("NIL", Section("1.1"));
        Assert.Equal("NIL", Section("1.HEADER"));
    }

    [Fact]
    public void Rfc9051_HeaderFields_KeepsFoldingAndOrder_AndNot()
    {
        Assert.Equal("Subject: afternoon\r\n meeting\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\n".Length, Section("HEADER.FIELDS (subject DATE)").Length);
        Assert.Equal("Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nSubject: afternoon\r\n meeting\r\n\r\n", Section("HEADER.FIELDS (subject DATE)"));
        var not = Section("HEADER.FIELDS.NOT (FROM TO DATE SUBJECT MESSAGE-ID)");
        Assert.Equal("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n", not);
        Assert.Equal("\r\n", Section("HEADER.FIELDS (X-NONE)"));
    }

    [Fact]
    public void Partial_SlicesAndOffsetPastEndIsEmpty()
    {
        Assert.Equal("ine1", Section("1", new ImapPartial(1, 4)));
        Assert.Equal("line2", Section("1", new ImapPartial(7, 100)));
        Assert.Equal(string.Empty, Section("1", new ImapPartial(12, 10)));
        Assert.Equal(string.Empty, Section("1", new ImapPartial(4_000_000_000, 10)));
    }

    [Fact]
    public void Rfc3516_Binary_DecodesBase64_AndReportsNul()
    {
        var result = ImapSectionResolver.Binary(Structure, Raw, new ImapSection([2], ImapSectionText.None, []));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, result.Data!.Value.ToArray());
        Assert.True(result.ContainsNul);
        Assert.Equal(4, ImapSectionResolver.BinarySize(Structure, Raw, new ImapSection([2], ImapSectionText.None, [])).Size);
        Assert.Equal(new byte[] { 1, 2 }, ImapSectionResolver.Binary(Structure, Raw, new ImapSection([2], ImapSectionText.None, []), new ImapPartial(1, 2)).Data!.Value.ToArray());
    }

    [Fact]
    public void Rfc3516_Binary_UnknownEncoding_IsUnknownCte()
    {
        var raw = "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-rot13\r\n\r\nuryyb"u8.ToArray();
        var result = ImapSectionResolver.Binary(ImapMessageStructure.Parse(raw), raw, new ImapSection([1], ImapSectionText.None, []));
        Assert.Equal(ImapResponseCode.UnknownCte, result.ErrorCode);
    }

    [Fact]
    public void ThousandNestedMultiparts_AreBoundedByMaxMimeDepth()
    {
        var builder = new StringBuilder("Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
        for (var i = 0; i < 1000; i++)
        {
            builder.Append("--b").Append(i).Append("\r\nContent-Type: multipart/mixed; boundary=b").Append(i + 1).Append("\r\n\r\n");
        }

        builder.Append("--b1000\r\nContent-Type: text/plain\r\n\r\ndeep\r\n");
        for (var i = 1000; i >= 0; i--)
        {
            builder.Append("--b").Append(i).Append("--\r\n");
        }

        var raw = Encoding.ASCII.GetBytes(builder.ToString());
        var watch = Stopwatch.StartNew();
        var structure = ImapMessageStructure.Parse(raw);
        var bodyStructure = ImapBodyStructureWriter.ToBytes(structure, extensible: true);
        Assert.True(watch.ElapsedMilliseconds < 5000);
        Assert.True(bodyStructure.Length > 0);
        Assert.NotNull(ImapSectionResolver.Resolve(structure, raw, new ImapSection([1], ImapSectionText.None, [])));
    }

    [Fact]
    public void MessageWithoutBody_HasAnEmptyText()
    {
        var raw = "Subject: only header\r\n"u8.ToArray();
        var structure = ImapMessageStructure.Parse(raw);
        Assert.Equal(string.Empty, Encoding.ASCII.GetString(ImapSectionResolver.Resolve(structure, raw, new ImapSection([], ImapSectionText.Text, []))!.Value.Span));
        Assert.NotEmpty(ImapBodyStructureWriter.ToBytes(structure, true));
    }
}
