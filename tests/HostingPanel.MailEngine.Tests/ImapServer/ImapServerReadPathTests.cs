using System.Text;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap.Mime;
using HostingPanel.MailEngine.Protocol.Imap.Search;
using HostingPanel.MailEngine.Storage;
using MailKit;
using MailKit.Search;
using MimeKit;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>
/// The read paths that avoid whole bodies: header-only FETCH and SEARCH (the header block's length is
/// stored at delivery), bulk loads, and TEXT search decoding bodies in their own charset.
/// </summary>
public sealed class ImapServerReadPathTests
{
    // Shapes whose header block ends differently: folded fields, a multipart, a message that is all
    // header (no blank line), one starting with a blank line, and a non-header line inside the header.
    private static readonly string[] Shapes =
    [
        "From: a@example.org\r\nSubject: plain\r\nX-Long: one\r\n two\r\n\tthree\r\n\r\nBody line.\r\n",
        "From: b@example.org\r\nSubject: multi\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>second</p>\r\n--b1--\r\n",
        "From: c@example.org\r\nSubject: header only\r\n",
        "\r\nNo header at all.\r\n",
        "From: d@example.org\r\nThis line is not a header field\r\nSubject: after junk\r\n\r\nbody\r\n",
    ];

    [Fact]
    public async Task HeaderFetch_ReturnsExactlyTheHeaderBytes_ReadingOnlyTheHeadOfTheBodyFile()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("head@example.com");
        foreach (var shape in Shapes)
            Assert.Equal(DeliveryStatus.Delivered, (await engine.DeliverAsync(account, shape)).Status);
        var inbox = await engine.InboxAsync(account);
        var stored = await engine.Store.ListMessagesAsync(inbox.Id);

        // What the full-parse path gives, computed before the bodies are cut short below.
        var expected = new List<(byte[] Header, byte[] Fields)>();
        foreach (var message in stored)
        {
            var raw = await File.ReadAllBytesAsync(engine.Store.Bodies.FullPath(message.BodyPath));
            var structure = ImapMessageStructure.Parse(raw);
            expected.Add((
                ImapSectionResolver.Body(structure, raw, new ImapSection([], ImapSectionText.Header, [])).Data!.Value.ToArray(),
                ImapSectionResolver.Body(structure, raw, new ImapSection([], ImapSectionText.HeaderFields, ["Subject", "X-Long"])).Data!.Value.ToArray()));
            Assert.InRange(message.HeaderSize, 0, message.Size);
            Assert.Equal(raw.AsSpan(0, (int)message.HeaderSize).ToArray(), expected[^1].Header);
        }

        // The plain message's header, spelled out: everything up to and including the blank line.
        var plain = Encoding.ASCII.GetBytes(Shapes[0][..(Shapes[0].IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)]);
        Assert.Equal(plain, expected[0].Header);

        // Cut every body file down to its header: a header fetch that still answers exactly has read nothing more.
        foreach (var message in stored)
        {
            await using var file = new FileStream(engine.Store.Bodies.FullPath(message.BodyPath), FileMode.Open, FileAccess.Write);
            file.SetLength(message.HeaderSize);
        }

        using var client = await ImapServerClients.MailKitAsync(engine, "head@example.com");
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        for (var i = 0; i < stored.Count; i++)
        {
            var uid = new UniqueId((uint)stored[i].Uid);
            Assert.Equal(expected[i].Header, await ReadAllAsync(await client.Inbox.GetStreamAsync(uid, "HEADER")));
            Assert.Equal(expected[i].Fields, await ReadAllAsync(await client.Inbox.GetStreamAsync(uid, "HEADER.FIELDS (Subject X-Long)")));
            // <partial> applies to the header section, too.
            Assert.Equal(expected[i].Header.Take(10).ToArray(), await ReadAllAsync(await client.Inbox.GetStreamAsync(uid, "HEADER", 0, 10)));
        }

        // A header search needs no more than the header either.
        var hits = await client.Inbox.SearchAsync(SearchQuery.SubjectContains("plain").Or(SearchQuery.SubjectContains("multi")));
        Assert.Equal([new UniqueId((uint)stored[0].Uid), new UniqueId((uint)stored[1].Uid)], hits);
    }

    [Fact]
    public async Task Search_OverManyMessages_GivesWhatTheFullParseEvaluatorGives()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("many@example.com");
        var random = new Random(20261127);
        string[] words = ["invoice", "weekly", "report", "Grüße", "meeting", "lunch", "backup"];
        string[] senders = ["alice@example.org", "bob@example.net", "=?utf-8?q?J=C3=B6rg?= <jorg@example.de>", "carol@example.com"];
        // More than one batch of the bulk loader (128 messages), some bodies large enough to split batches by bytes.
        for (var i = 0; i < 300; i++)
        {
            var subject = words[random.Next(words.Length)] + " " + i;
            var encodedSubject = subject.Any(c => c > 127) ? "=?utf-8?b?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(subject)) + "?=" : subject;
            var body = string.Join(" ", Enumerable.Range(0, 5 + random.Next(i % 50 == 0 ? 40_000 : 60)).Select(_ => words[random.Next(words.Length)]));
            var qp = Encoding.ASCII.GetString(QuotedPrintable(Encoding.UTF8.GetBytes(body)));
            var message = $"From: {senders[random.Next(senders.Length)]}\r\nTo: many@example.com\r\nSubject: {encodedSubject}\r\n" +
                $"Date: {(i % 7 == 0 ? "garbage" : $"Fri, {1 + i % 28} Nov 2026 10:00:00 +0000")}\r\nMessage-ID: <{i}.many@example.org>\r\n" +
                $"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{qp}\r\n";
            await engine.DeliverAsync(account, message);
        }

        var inbox = await engine.InboxAsync(account);
        var stored = await engine.Store.ListMessagesAsync(inbox.Id);
        var reference = new List<IImapSearchMessage>();
        foreach (var m in stored)
        {
            var raw = await File.ReadAllBytesAsync(engine.Store.Bodies.FullPath(m.BodyPath));
            reference.Add(new ParsedMessage((uint)reference.Count + 1, (uint)m.Uid, m.Size, m.InternalDate,
                MimeMessage.Load(ImapMessageStructure.ParserOptions, new MemoryStream(raw))));
        }

        await using var wire = await ImapServerClients.WireAsync(engine, "many@example.com");
        await wire.CommandAsync("s SELECT INBOX");
        string[] criteria =
        [
            "SUBJECT invoice", "FROM alice", "FROM \"J\u00f6rg\"", "HEADER Message-ID \"7.many\"", "SUBJECT weekly NOT FROM bob",
            "OR SUBJECT lunch SUBJECT backup", "SENTSINCE 10-Nov-2026 SENTBEFORE 20-Nov-2026", "LARGER 20000", "TEXT \"Gr\u00fc\u00dfe\"",
            "BODY meeting SUBJECT report", "SUBJECT \"Gr\u00fc\u00dfe\"", "NOT BODY lunch", "1:50,200:* FROM carol",
        ];
        var context = new ImapSearchContext((uint)reference.Count, (uint)stored[^1].Uid, null, DateTimeOffset.UtcNow);
        foreach (var c in criteria)
        {
            var parsed = Assert.IsType<ImapSearchCommand>(ImapCommandParser.Parse($"x SEARCH CHARSET UTF-8 {c}\r\n", new ImapParserOptions(Utf8Enabled: true)).Command);
            var want = ImapSearchEvaluator.Filter(parsed.Key, reference, context).Select(m => m.SequenceNumber).ToList();
            var lines = await wire.CommandAsync($"x SEARCH CHARSET UTF-8 {c}");
            Assert.StartsWith("x OK", lines.Last());
            var got = lines.Single(l => l.StartsWith("* SEARCH", StringComparison.Ordinal))[8..]
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(uint.Parse).ToList();
            Assert.True(want.SequenceEqual(got), $"{c}: expected {want.Count} hits, got {got.Count}");
            if (c.StartsWith("SUBJECT invoice", StringComparison.Ordinal) || c.StartsWith("TEXT", StringComparison.Ordinal))
                Assert.NotEmpty(got); // the comparison must not be between two empty answers
        }

        // SORT and THREAD read the header block only, and still order by the decoded fields.
        var sorted = await wire.CommandAsync("y SORT (SUBJECT) UTF-8 FROM alice");
        var sortLine = sorted.Single(l => l.StartsWith("* SORT", StringComparison.Ordinal));
        var fromAlice = ImapSearchEvaluator.Filter(Assert.IsType<ImapSearchCommand>(ImapCommandParser.Parse("x SEARCH FROM alice\r\n", ImapParserOptions.Default).Command).Key, reference, context);
        var wantSort = ImapSorter.Sort(fromAlice, [new ImapSortCriterion(ImapSortKey.Subject, false)]).Select(m => m.SequenceNumber);
        Assert.Equal(string.Join(' ', wantSort), sortLine[7..]);
    }

    [Fact]
    public async Task Utf8TextSearch_MatchesBodiesInQuotedPrintableBase64And8Bit_InUtf8AndLatin1()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("umlaut@example.com");
        var utf8 = Encoding.UTF8.GetBytes("Viele Gr\u00fc\u00dfe aus Berlin");
        var latin1 = Encoding.Latin1.GetBytes("Viele Gr\u00fc\u00dfe aus Berlin");
        var bodies = new (string Charset, string Encoding, byte[] Body)[]
        {
            ("utf-8", "quoted-printable", QuotedPrintable(utf8)),
            ("utf-8", "base64", Encoding.ASCII.GetBytes(Convert.ToBase64String(utf8))),
            ("iso-8859-1", "quoted-printable", QuotedPrintable(latin1)),
            ("iso-8859-1", "base64", Encoding.ASCII.GetBytes(Convert.ToBase64String(latin1))),
            ("iso-8859-1", "8bit", latin1),
            ("utf-8", "8bit", utf8),
            ("utf-8", "7bit", Encoding.ASCII.GetBytes("Viele Gruesse aus Berlin")),
        };
        foreach (var (charset, encoding, body) in bodies)
        {
            var head = Encoding.ASCII.GetBytes($"From: x@example.org\r\nSubject: {charset} {encoding}\r\nMIME-Version: 1.0\r\n" +
                $"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n");
            var results = await engine.Delivery.DeliverAsync(new MemoryStream([.. head, .. body, .. "\r\n"u8.ToArray()]), [account.Id]);
            Assert.Equal(DeliveryStatus.Delivered, results[0].Status);
        }

        await using var wire = await ImapServerClients.WireAsync(engine, "umlaut@example.com");
        await wire.CommandAsync("s SELECT INBOX");
        // As the benchmark and many clients send it: 8-bit UTF-8 in a quoted string, after CHARSET.
        var quoted = await wire.CommandAsync("a SEARCH CHARSET UTF-8 TEXT \"Gr\u00fc\u00dfe\"");
        Assert.StartsWith("a OK", quoted.Last());
        Assert.Contains("* SEARCH 1 2 3 4 5 6", quoted);
        // The same as a literal, and case-insensitively.
        var needle = Encoding.UTF8.GetByteCount("GR\u00dc\u00dfE");
        var literal = await wire.CommandAsync($"b SEARCH CHARSET UTF-8 BODY {{{needle}+}}\r\nGR\u00dc\u00dfE");
        Assert.Contains("* SEARCH 1 2 3 4 5 6", literal);
        // Without CHARSET, 8-bit in a quoted string is still refused (RFC 3501 quoted strings are 7-bit).
        Assert.StartsWith("c BAD", (await wire.CommandAsync("c SEARCH TEXT \"Gr\u00fc\u00dfe\"")).Last());
    }

    [Fact]
    public async Task Status_CountsFromTheStore_MatchWhatSelectShows()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("status@example.com");
        for (var i = 0; i < 5; i++)
            await engine.DeliverAsync(account, EngineHost.Message("s" + i));
        await using var wire = await ImapServerClients.WireAsync(engine, "status@example.com");
        await wire.CommandAsync("a SELECT INBOX");
        await wire.CommandAsync("b STORE 1:2 +FLAGS.SILENT (\\Seen)");
        await wire.CommandAsync("c STORE 5 +FLAGS.SILENT (\\Deleted)");
        var size = (await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id)).Sum(m => m.Size);
        var status = await wire.CommandAsync("d STATUS INBOX (MESSAGES UNSEEN DELETED SIZE UIDNEXT)");
        Assert.Contains($"* STATUS INBOX (MESSAGES 5 UNSEEN 3 DELETED 1 SIZE {size} UIDNEXT 6)", status);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    private static byte[] QuotedPrintable(byte[] data)
    {
        var sb = new StringBuilder();
        var column = 0;
        foreach (var b in data)
        {
            var piece = b is >= 33 and <= 126 and not (byte)'=' || b == (byte)' ' ? ((char)b).ToString() : "=" + b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture);
            if (column + piece.Length > 72)
            {
                sb.Append("=\r\n");
                column = 0;
            }

            sb.Append(piece);
            column += piece.Length;
        }

        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>A message parsed whole, as SEARCH did before the header-only path.</summary>
    private sealed class ParsedMessage(uint sequence, uint uid, long size, DateTimeOffset date, MimeMessage message) : IImapSearchMessage
    {
        private readonly ImapMimeMessageContent _content = new(message);

        public uint SequenceNumber => sequence;

        public uint Uid => uid;

        public bool HasFlag(string flag) => false;

        public DateTimeOffset InternalDate => date;

        public long Size => size;

        public ulong ModSeq => 0;

        public IImapMessageContent GetContent() => _content;
    }
}
