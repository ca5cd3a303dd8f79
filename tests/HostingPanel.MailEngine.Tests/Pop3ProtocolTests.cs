using System.Buffers;
using System.Text;
using HostingPanel.MailEngine.Protocol.Pop3;
using Xunit;

namespace HostingPanel.MailEngine.Tests;

/// <summary>The pure POP3 grammar and writer, fed split at every byte offset as a network would.</summary>
public sealed class Pop3ProtocolTests
{
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

    private static ReadOnlySequence<byte> SplitAt(byte[] bytes, int offset)
    {
        var first = new Segment(bytes.AsMemory(0, offset));
        var last = first.Append(bytes.AsMemory(offset));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    [Fact]
    public void Rfc1939_CommandLines_ParseTheSameAtEverySplit()
    {
        var bytes = Encoding.ASCII.GetBytes("USER alice@example.com\r\nPASS two words\r\nTOP 3 10\r\nlist\r\nRETR 2\r\n");
        for (var offset = 0; offset <= bytes.Length; offset++)
        {
            var buffer = SplitAt(bytes, offset);
            var commands = new List<Pop3Command>();
            while (Pop3CommandParser.TryReadLine(ref buffer, 1000, out var line) == Pop3CommandParser.LineStatus.Line)
                commands.Add(Pop3CommandParser.Parse(line.ToArray()).Command!);
            Assert.Equal(
                [new Pop3Command(Pop3Verb.User, "alice@example.com"), new Pop3Command(Pop3Verb.Pass, "two words"),
                 new Pop3Command(Pop3Verb.Top, Message: 3, Lines: 10), new Pop3Command(Pop3Verb.List), new Pop3Command(Pop3Verb.Retr, Message: 2)],
                commands);
            Assert.Equal(0, buffer.Length);
        }
    }

    [Fact]
    public void LineLimit_IsEnforcedBeforeTheLineEnds()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[5000]);
        Assert.Equal(Pop3CommandParser.LineStatus.TooLongUnterminated, Pop3CommandParser.TryReadLine(ref buffer, 1000, out _));
        Assert.Equal(0, buffer.Length);
        var partial = new ReadOnlySequence<byte>(new byte[999]);
        Assert.Equal(Pop3CommandParser.LineStatus.NeedMoreData, Pop3CommandParser.TryReadLine(ref partial, 1000, out _));
    }

    [Theory]
    [InlineData("RETR 0")]
    [InlineData("RETR 1 2")]
    [InlineData("DELE x")]
    [InlineData("TOP 1 -1")]
    [InlineData("LIST 99999999999")]
    [InlineData("NOOP now")]
    [InlineData("USER")]
    [InlineData("AUTH PLAIN a b")]
    [InlineData("")]
    [InlineData("X")]
    public void MalformedCommands_AreRefusedWithAReason(string line)
    {
        var result = Pop3CommandParser.Parse(Encoding.ASCII.GetBytes(line));
        Assert.Null(result.Command);
        Assert.False(string.IsNullOrEmpty(result.Error));
    }

    [Fact]
    public void DotStuffing_IsTheSameAtEveryChunkSplit()
    {
        var message = Encoding.ASCII.GetBytes("Subject: s\r\n\r\n.\r\n..x\r\nplain\r\n.end");
        const string expected = "Subject: s\r\n\r\n..\r\n...x\r\nplain\r\n..end\r\n.\r\n";
        for (var offset = 0; offset <= message.Length; offset++)
        {
            var output = new ArrayBufferWriter<byte>();
            var stuffer = new Pop3DotStuffer();
            stuffer.Write(message.AsSpan(0, offset), output);
            stuffer.Write(message.AsSpan(offset), output);
            stuffer.Finish(output);
            Assert.Equal(expected, Encoding.ASCII.GetString(output.WrittenSpan));
        }
    }

    [Fact]
    public void Top_StopsAfterHeadersAndNBodyLines_AtEveryChunkSplit()
    {
        var message = Encoding.ASCII.GetBytes("A: 1\r\nB: 2\r\n\r\nl1\r\n.l2\r\nl3\r\n");
        for (var offset = 0; offset <= message.Length; offset++)
        {
            var output = new ArrayBufferWriter<byte>();
            var stuffer = new Pop3DotStuffer(bodyLines: 2);
            stuffer.Write(message.AsSpan(0, offset), output);
            stuffer.Write(message.AsSpan(offset), output);
            stuffer.Finish(output);
            Assert.Equal("A: 1\r\nB: 2\r\n\r\nl1\r\n..l2\r\n.\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
        }
    }
}
