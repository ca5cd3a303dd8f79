using Xunit;
using System.Diagnostics;
using System.Text;
using HostingPanel.MailEngine.Protocol.Imap;
using static HostingPanel.MailEngine.Tests.Imap.ImapReaderHarness;

namespace HostingPanel.MailEngine.Tests.Imap;

public sealed class ImapCommandReaderTests
{
    private static void AssertSameAtEverySplit(string input, string expected, ImapLimits? limits = null)
    {
        Assert.Equal(expected, Describe(Feed(input, limits)));
        var bytes = Encoding.UTF8.GetBytes(input);
        for (var split = 0; split <= bytes.Length; split++)
        {
            Assert.Equal(expected, Describe(Feed(bytes, limits, split)));
        }

        // And one byte at a time.
        Assert.Equal(expected, Describe(FeedChunks(bytes.Select(b => new[] { b }), limits)));
    }

    [Fact]
    public void Rfc9051_SimpleCommand_IsOneFrame() =>
        AssertSameAtEverySplit("a001 NOOP\r\n", "CMD a001:a001 NOOP");

    [Fact]
    public void PipelinedCommands_AreFramedSeparately() =>
        AssertSameAtEverySplit("a1 NOOP\r\na2 CAPABILITY\r\n", "CMD a1:a1 NOOP|CMD a2:a2 CAPABILITY");

    [Fact]
    public void SynchronizingLiteral_AsksForContinuation_ThenFramesTheRest() =>
        AssertSameAtEverySplit(
            "A003 APPEND saved-messages (\\Seen) {11}\r\nhello world\r\n",
            "+11|CMD A003:A003 APPEND saved-messages (\\Seen) {11}/[hello world]");

    [Fact]
    public void Rfc7888_NonSynchronizingLiteral_NeedsNoContinuation() =>
        AssertSameAtEverySplit(
            "A1 LOGIN {4+}\r\nuser {6+}\r\nsecret\r\n",
            "CMD A1:A1 LOGIN {4+}/ {6+}/[user][secret]");

    [Fact]
    public void Rfc3516_BinaryLiteral_MayHoldNul()
    {
        var input = "A1 APPEND INBOX ~{3+}\r\na\0b\r\n";
        var result = Assert.Single(Feed(input));
        Assert.Equal(ImapReadResultKind.Command, result.Kind);
        var literal = Assert.Single(result.Frame!.Literals);
        Assert.True(literal.IsBinary);
        Assert.Equal(new byte[] { (byte)'a', 0, (byte)'b' }, literal.Data.ToArray());
    }

    [Fact]
    public void LiteralMarkerInsideQuotedString_IsNotALiteral() =>
        AssertSameAtEverySplit("A1 LOGIN \"a {3}\r\n", "CMD A1:A1 LOGIN \"a {3}");

    [Fact]
    public void ZeroLengthLiteral_IsFramed() =>
        AssertSameAtEverySplit("A1 LOGIN {0}\r\n {0+}\r\n\r\n", "+0|CMD A1:A1 LOGIN {0}/ {0+}/[][]");

    [Fact]
    public void LineLongerThanLimit_IsTaggedBad_AndNextCommandStillWorks() =>
        AssertSameAtEverySplit(
            "A1 NOOP " + new string('x', 200) + "\r\nA2 NOOP\r\n",
            "REJ A1 Bad LIMIT|CMD A2:A2 NOOP",
            new ImapLimits { MaxLineLength = 100 });

    [Fact]
    public void OversizeSynchronizingLiteral_IsRefusedWithoutContinuation() =>
        AssertSameAtEverySplit(
            "A1 APPEND INBOX {5000}\r\nA2 NOOP\r\n",
            "REJ A1 No TOOBIG|CMD A2:A2 NOOP",
            new ImapLimits { MaxLiteralSize = 1000 });

    [Fact]
    public void OversizeNonSynchronizingLiteral_EndsTheConnectionAndIsNeverParsedAsCommands()
    {
        // RFC 7888 section 4: BAD [TOOBIG] and close; the literal's bytes look like commands and none is framed.
        var body = "A9 LOGOUT\r\nA8 DELETE INBOX\r\n";
        var input = "A1 APPEND INBOX {" + body.Length + "+}\r\n" + body + "\r\nA2 NOOP\r\n";
        AssertSameAtEverySplit(input, "FATAL Non-synchronizing literal larger than 10 bytes; closing.", new ImapLimits { MaxLiteralSize = 10 });
    }

    [Fact]
    public void RefusedMultiAppend_SwallowsEveryFollowingNonSynchronizingLiteral()
    {
        // The command is refused for its size; its literals are each within the literal limit and are swallowed.
        var input = "A1 APPEND INBOX {20+}\r\nA5 LOGOUT\r\nA6 LOGOUT {11+}\r\nA7 LOGOUT\r\n\r\nA2 NOOP\r\n";
        AssertSameAtEverySplit(input, "REJ A1 No TOOBIG|CMD A2:A2 NOOP", new ImapLimits { MaxCommandSize = 55 });
    }

    [Fact]
    public void TooLongLineEndingInNonSynchronizingLiteral_SwallowsTheLiteral()
    {
        var input = "A1 APPEND " + new string('x', 200) + " {10+}\r\nA9 LOGOUT\r\nA2 NOOP\r\n";
        AssertSameAtEverySplit(input, "REJ A1 Bad LIMIT|CMD A2:A2 NOOP", new ImapLimits { MaxLineLength = 100 });
    }

    [Fact]
    public void HugeNonSynchronizingLiteralAnnouncement_EndsTheConnectionWithoutReading()
    {
        var results = Feed("A1 APPEND INBOX {99999999999999999999999+}\r\n");
        var result = Assert.Single(results);
        Assert.Equal(ImapReadResultKind.Fatal, result.Kind);
    }

    [Fact]
    public void HugeSynchronizingLiteralAnnouncement_IsRefusedBeforeReading()
    {
        var result = Assert.Single(Feed("A1 APPEND INBOX {18446744073709551616}\r\n"));
        Assert.Equal(ImapReadResultKind.Rejected, result.Kind);
        Assert.Equal("A1", result.Error!.Tag);
        Assert.Equal(ImapStatus.No, result.Error.Status);
    }

    [Fact]
    public void CommandLargerThanLimit_IsRefused() =>
        AssertSameAtEverySplit(
            "A1 APPEND INBOX {60+}\r\n" + new string('m', 60) + " {60}\r\nA2 NOOP\r\n",
            "REJ A1 No TOOBIG|CMD A2:A2 NOOP",
            new ImapLimits { MaxCommandSize = 100 });

    [Fact]
    public void EmptyLinesBetweenCommands_AreIgnored() =>
        AssertSameAtEverySplit("\r\n\r\nA1 NOOP\r\n", "CMD A1:A1 NOOP");

    [Fact]
    public void BareLf_EndsALine() =>
        AssertSameAtEverySplit("A1 NOOP\nA2 NOOP\n", "CMD A1:A1 NOOP|CMD A2:A2 NOOP");

    [Fact]
    public void InvalidTag_IsReportedAsStar()
    {
        var result = Assert.Single(Feed("+bad NOOP\r\n"));
        Assert.Equal("*", result.Frame!.Tag);
    }

    [Fact]
    public void EndlessLineWithoutLf_IsAnsweredAtTheLimit_ThenCutOffAtTheDiscardLimit()
    {
        // Issue 16.11: a BAD as soon as the line passes the limit (Dovecot answers at once too), not
        // silence until the LF that never comes; past the discard limit the connection ends.
        var limits = new ImapLimits { MaxLineLength = 100, MaxDiscardSize = 10_000 };
        var chunks = new[] { Encoding.ASCII.GetBytes("A1 NOOP ") }.Concat(Enumerable.Repeat(Encoding.ASCII.GetBytes(new string('x', 1000)), 20));
        Assert.Equal("REJ A1 Bad LIMIT|FATAL Too much unreadable input.", Describe(FeedChunks(chunks, limits)));
    }

    [Fact]
    public void LineLongerThanLimit_WithoutLfYet_IsAnsweredOnce_BeforeItsEnd()
    {
        var limits = new ImapLimits { MaxLineLength = 100 };
        var first = FeedChunks([Encoding.ASCII.GetBytes("A1 NOOP " + new string('x', 200))], limits);
        Assert.Equal("REJ A1 Bad LIMIT", Describe(first));
        // The same reader, the line's end and a next command: no second refusal.
        var reader = new ImapCommandReader(limits);
        var results = new List<ImapReadResult>();
        foreach (var chunk in new[] { "A1 NOOP " + new string('x', 200), new string('y', 300) + " {5+}\r\n", "12345\r\n", "A2 NOOP\r\n" })
        {
            var sr = new System.Buffers.SequenceReader<byte>(new System.Buffers.ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(chunk)));
            while (reader.TryRead(ref sr, out var r))
                results.Add(r);
            Assert.Equal(0, sr.Remaining);
        }
        Assert.Equal("REJ A1 Bad LIMIT|CMD A2:A2 NOOP", Describe(results));
    }

    [Fact]
    public void ReadLine_ReadsIdleDone()
    {
        var reader = new ImapCommandReader(ImapLimits.Default);
        var sequence = new System.Buffers.ReadOnlySequence<byte>("DONE\r\nA2 NOOP\r\n"u8.ToArray());
        var sr = new System.Buffers.SequenceReader<byte>(sequence);
        Assert.True(reader.TryReadLine(ref sr, out var line, out var tooLong));
        Assert.False(tooLong);
        Assert.Equal("DONE", Encoding.ASCII.GetString(line.Span));
        Assert.True(reader.TryRead(ref sr, out var next));
        Assert.Equal("A2", next.Frame!.Tag);
    }

    [Fact]
    public void TenThousandNestedParens_FrameInBoundedTime()
    {
        var input = "A1 SEARCH " + new string('(', 10_000) + "ALL" + new string(')', 10_000) + "\r\n";
        var watch = Stopwatch.StartNew();
        var result = Assert.Single(Feed(input));
        Assert.Equal(ImapReadResultKind.Command, result.Kind);
        Assert.True(watch.ElapsedMilliseconds < 10_000, "not bounded: " + watch.Elapsed);
    }
}
