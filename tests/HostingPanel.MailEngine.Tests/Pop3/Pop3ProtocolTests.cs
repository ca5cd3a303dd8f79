using System.Buffers;
using System.Text;
using HostingPanel.MailEngine.Protocol.Pop3;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Pop3;

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

    /// <summary>RETR's fast path over one buffer split at <paramref name="offset"/>, as two file reads would give it.</summary>
    private static string StuffInTwoChunks(byte[] message, int offset)
    {
        var output = new byte[Pop3DotStuffer.MaxStuffedLength(message.Length) + 8];
        var atLineStart = true;
        var written = Pop3DotStuffer.Stuff(message.AsSpan(0, offset), output, ref atLineStart);
        written += Pop3DotStuffer.Stuff(message.AsSpan(offset), output.AsSpan(written), ref atLineStart);
        written += Pop3DotStuffer.Terminate(output.AsSpan(written), atLineStart);
        return Encoding.ASCII.GetString(output, 0, written);
    }

    [Theory]
    [InlineData("Subject: s\r\n\r\n.\r\n..x\r\nplain\r\n.end", "Subject: s\r\n\r\n..\r\n...x\r\nplain\r\n..end\r\n.\r\n")]
    [InlineData(".first line is a dot line\r\n", "..first line is a dot line\r\n.\r\n")]
    [InlineData("body\r\n.\r\nafter a fake end\r\n", "body\r\n..\r\nafter a fake end\r\n.\r\n")]
    [InlineData("no line end at the end", "no line end at the end\r\n.\r\n")]
    [InlineData("ends with a bare CR\r", "ends with a bare CR\r\r\n.\r\n")]
    [InlineData("bare\n.lf\n", "bare\n..lf\n.\r\n")]
    [InlineData(".\n.\n.", "..\n..\n..\r\n.\r\n")]
    [InlineData("", ".\r\n")]
    public void RetrStuffing_DoublesLeadingDots_AndTerminates_AtEveryChunkSplit(string message, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        for (var offset = 0; offset <= bytes.Length; offset++)
            Assert.Equal(expected, StuffInTwoChunks(bytes, offset));
    }

    [Fact]
    public void RetrStuffing_AgreesWithTheLineWriter_OnLongMixedInput()
    {
        // Lines of every length from 0 to 300, every third one dot-leading, some with bare LF.
        var text = new StringBuilder("Subject: mixed\r\n\r\n");
        for (var i = 0; i < 600; i++)
            text.Append(i % 3 == 0 ? '.' : 'x').Append('a', i % 301).Append(i % 7 == 0 ? "\n" : "\r\n");
        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        var reference = new ArrayBufferWriter<byte>();
        var lineWriter = new Pop3DotStuffer();
        lineWriter.Write(bytes, reference);
        lineWriter.Finish(reference);
        foreach (var offset in new[] { 0, 1, 17, bytes.Length / 3, bytes.Length / 2, bytes.Length - 1, bytes.Length })
            Assert.Equal(Encoding.ASCII.GetString(reference.WrittenSpan), StuffInTwoChunks(bytes, offset));
    }

    [Fact]
    public void RetrStuffing_FitsItsWorstCaseBound()
    {
        // Every line a lone dot: the most the output can grow.
        var bytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(".\n", 5000)));
        var output = new byte[Pop3DotStuffer.MaxStuffedLength(bytes.Length)];
        var atLineStart = true;
        var written = Pop3DotStuffer.Stuff(bytes, output, ref atLineStart);
        Assert.Equal(bytes.Length + 5000, written);
        Assert.True(atLineStart);
    }
}
