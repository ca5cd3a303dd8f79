using System.Buffers;
using System.Text;
using HostingPanel.MailEngine.Protocol.Smtp;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary><see cref="SmtpLineEnds"/>: bare LF and CR made CRLF (Postfix's "normalize"), fed whole and split at every offset.</summary>
public sealed class SmtpLineEndsTests
{
    [Theory]
    [InlineData("a\r\nb\r\n", "a\r\nb\r\n")]              // nothing to do
    [InlineData("a\nb\n", "a\r\nb\r\n")]                  // bare LF
    [InlineData("a\rb\r", "a\r\nb\r\n")]                  // bare CR, also the last byte
    [InlineData("a\r\r\nb", "a\r\n\r\nb")]                // CR before a CRLF
    [InlineData("a\n\rb", "a\r\n\r\nb")]                  // LF then CR: two bare ends
    [InlineData("a\n..b\n.c\r\n.d", "a\r\n.b\r\nc\r\n.d")] // a dot after a bare LF is stuffing; after CRLF the package unstuffed already
    [InlineData("x\n.\nMAIL FROM:<a@b>\n", "x\r\n\r\nMAIL FROM:<a@b>\r\n")] // smuggling payload: data, on lines of its own
    [InlineData("\n", "\r\n")]
    [InlineData("", "")]
    public void Rfc5321_2_3_8_BareLineEnds_BecomeCrLf(string input, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes(input);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var normalized = SmtpLineEnds.Normalize(Split(bytes, split));
            Assert.Equal(expected, Encoding.ASCII.GetString(normalized.ToArray()));
            Assert.Equal(0, SmtpLineEnds.CountBare(normalized));
        }
    }

    [Fact]
    public void CleanData_IsReturnedWithoutACopy()
    {
        var sequence = new ReadOnlySequence<byte>("Subject: x\r\n\r\nbody\r\n"u8.ToArray());
        var normalized = SmtpLineEnds.Normalize(sequence);
        Assert.True(normalized.Start.Equals(sequence.Start) && normalized.End.Equals(sequence.End));
    }

    private static ReadOnlySequence<byte> Split(byte[] bytes, int at)
    {
        if (at == 0 || at == bytes.Length)
            return new ReadOnlySequence<byte>(bytes);
        var first = new Segment(bytes.AsMemory(0, at));
        var last = first.Append(bytes.AsMemory(at));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
