using System.Buffers;
using HostingPanel.MailEngine.Protocol.Pop3;

namespace HostingPanel.Fuzz.Targets;

/// <summary>POP3 bytes: lines framed under a small limit, each parsed; a parse is a command or a reason, never both or neither.</summary>
internal static class Pop3CommandTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var buffer = new ReadOnlySequence<byte>(input.ToArray());
        for (var guard = 0; guard < 10_000; guard++)
        {
            var before = buffer.Length;
            var status = Pop3CommandParser.TryReadLine(ref buffer, 255, out var line);
            if (status == Pop3CommandParser.LineStatus.NeedMoreData)
            {
                // The unterminated rest is a line when the client closes: parse it too.
                Parse(buffer.ToArray());
                return;
            }
            if (status == Pop3CommandParser.LineStatus.TooLongUnterminated)
                return;
            FuzzTargets.Check(buffer.Length < before, "TryReadLine consumed nothing");
            if (status == Pop3CommandParser.LineStatus.Line)
                Parse(line.ToArray());
        }
        throw new FuzzInvariantException("line framing did not end");
    }

    private static void Parse(byte[] line)
    {
        var result = Pop3CommandParser.Parse(line);
        FuzzTargets.Check((result.Command is null) != (result.Error is null), "a parse result must be a command or an error");
        if (result.Command is { } command)
            FuzzTargets.Check(command.Message >= 0 && command.Lines >= 0, "negative message number or line count");
    }
}
