using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// The IMAP command parser as a connection runs it: bytes off the wire framed by the engine's
/// <see cref="ImapCommandReader"/> (literals included), then <see cref="ImapCommandParser.Parse(ImapCommandFrame, ImapParserOptions?)"/>
/// into a typed command. The commands are what desktop clients send most.
/// </summary>
[MemoryDiagnoser]
public class ImapCommandParserBenchmarks
{
    private static readonly string AppendBody =
        "From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nSubject: draft\r\n\r\n" + string.Concat(Enumerable.Repeat("Some text of the draft.\r\n", 10));

    private static readonly Dictionary<string, string> Commands = new()
    {
        ["login"] = "a1 LOGIN \"u01@bench.test\" \"bench-Password-1\"\r\n",
        ["select"] = "a2 SELECT INBOX (CONDSTORE)\r\n",
        // Thunderbird's header fetch on opening a folder.
        ["fetch-headers"] = "a3 UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])\r\n",
        ["search"] = "a4 UID SEARCH CHARSET UTF-8 OR SUBJECT \"invoice\" FROM \"alice\" SINCE 1-Jan-2026 NOT DELETED\r\n",
        ["store"] = "a5 UID STORE 1:50,60,70:80 +FLAGS.SILENT (\\Seen $Forwarded)\r\n",
        // LITERAL+ (RFC 7888), as clients that see the capability send it: no continuation round trip.
        ["append"] = $"a6 APPEND Drafts (\\Draft \\Seen) \"27-Nov-2026 08:00:00 +0000\" {{{Encoding.ASCII.GetByteCount(AppendBody)}+}}\r\n{AppendBody}\r\n",
    };

    private byte[] _bytes = [];
    private readonly ImapCommandReader _reader = new(ImapLimits.Default);

    [Params("login", "select", "fetch-headers", "search", "store", "append")]
    public string Command { get; set; } = "login";

    [GlobalSetup]
    public void Setup()
    {
        _bytes = Encoding.UTF8.GetBytes(Commands[Command]);
        if (FrameAndParse() is null)
            throw new InvalidOperationException("the engine did not parse: " + Commands[Command]);
    }

    [Benchmark]
    public ImapCommand? FrameAndParse()
    {
        var input = new SequenceReader<byte>(new ReadOnlySequence<byte>(_bytes));
        while (_reader.TryRead(ref input, out var result))
        {
            if (result.Kind == ImapReadResultKind.Command)
                return ImapCommandParser.Parse(result.Frame!).Command;
        }
        return null;
    }
}
