using System.Text;
using HostingPanel.MailEngine.Sessions.Imap;

namespace HostingPanel.MailEngine.Tests.Imap;

/// <summary>The pooled output buffer: what a session writes is what the client receives, however large.</summary>
public sealed class ImapOutputBufferTests
{
    [Fact]
    public void GrowingPastThePooledSize_KeepsEveryByteInOrder_AndClearStartsEmpty()
    {
        var buffer = new ImapOutputBuffer();
        Assert.Equal(0, buffer.WrittenCount);
        var expected = new StringBuilder();
        for (var i = 0; i < 20_000; i++)
        {
            var line = Encoding.ASCII.GetBytes($"* {i} FETCH (FLAGS (\\Seen))\r\n");
            line.CopyTo(buffer.GetSpan(line.Length));
            buffer.Advance(line.Length);
            expected.Append(Encoding.ASCII.GetString(line));
        }

        Assert.Equal(expected.ToString(), Encoding.ASCII.GetString(buffer.WrittenSpan));
        buffer.Clear();
        Assert.Equal(0, buffer.WrittenCount);
        Assert.True(buffer.WrittenSpan.IsEmpty);

        var next = "A1 OK NOOP completed.\r\n"u8;
        next.CopyTo(buffer.GetMemory(next.Length).Span);
        buffer.Advance(next.Length);
        Assert.Equal("A1 OK NOOP completed.\r\n", Encoding.ASCII.GetString(buffer.WrittenMemory.Span));
    }

    [Fact]
    public void AdvancingPastWhatWasReserved_IsRefused()
    {
        var buffer = new ImapOutputBuffer();
        var room = buffer.GetSpan(10).Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(room + 1));
    }
}
