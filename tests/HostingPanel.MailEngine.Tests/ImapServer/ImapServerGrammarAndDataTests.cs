using System.Text;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>
/// The grammar and data points Dovecot's imaptest found (issue 17), each over a real socket so that CI
/// holds them without imaptest: the <c>~foo</c> atom, UID 4294967295, ENVELOPE source routes, SEARCH
/// FROM through comments, SORT (CC) and (DISPLAYTO) on groups, BINARY of quoted-printable, and a
/// literal8 APPEND's binary part.
/// </summary>
public sealed class ImapServerGrammarAndDataTests
{
    private const string User = "data@example.com";

    private static async Task<(EngineHost Engine, ImapWire Wire)> StartAsync(params string[] messages)
    {
        var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(User);
        foreach (var message in messages)
            await engine.DeliverAsync(account, message);
        var wire = await ImapServerClients.WireAsync(engine, User);
        Assert.StartsWith("s OK", (await wire.CommandAsync("s SELECT INBOX"))[^1]);
        return (engine, wire);
    }

    [Fact]
    public async Task Rfc9051_UidSet_4294967295_IsANumber_NotTheLargestUid()
    {
        var (engine, wire) = await StartAsync(EngineHost.Message("one"), EngineHost.Message("two"));
        await using (engine)
        await using (wire)
        {
            // "3:4294967295" names no message here; read as "3:*" it would be 2:3 and find UID 2.
            var lines = await wire.CommandAsync("a UID SEARCH UID 3:4294967295");
            Assert.Equal(["* SEARCH", "a OK SEARCH completed."], lines);
            Assert.Contains("* SEARCH 2", await wire.CommandAsync("b UID SEARCH UID 2:*"));
        }
    }

    [Fact]
    public async Task Rfc9051_TildeStartsAnAtom_UnlessALiteral8Follows()
    {
        var (engine, wire) = await StartAsync();
        await using (engine)
        await using (wire)
        {
            Assert.StartsWith("a OK", (await wire.CommandAsync("a LIST \"\" ~foo"))[^1]);
            // A mailbox that does not exist: NO, not a BAD for the grammar.
            Assert.StartsWith("b NO", (await wire.CommandAsync("b SELECT ~foo"))[^1]);
            Assert.StartsWith("c OK", (await wire.CommandAsync("c CREATE ~foo"))[^1]);
            Assert.StartsWith("d OK", (await wire.CommandAsync("d SELECT ~foo"))[^1]);
        }
    }

    [Fact]
    public async Task Rfc9051_Envelope_KeepsTheSourceRoute()
    {
        var (engine, wire) = await StartAsync("From: <@route:user@domain>\r\nSubject: r\r\n\r\nbody\r\n");
        await using (engine)
        await using (wire)
        {
            var lines = await wire.CommandAsync("a FETCH 1 ENVELOPE");
            Assert.Contains(lines, l => l.Contains("((NIL \"@route\" \"user\" \"domain\"))", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Rfc9051_SearchFrom_MatchesTheAddress_ThroughComments()
    {
        var (engine, wire) = await StartAsync(
            "From: <user-from (comment)@ (comment) domain.org>\r\nSubject: a\r\n\r\nbody\r\n",
            "From: other@domain.org\r\nSubject: b\r\n\r\nbody\r\n",
            "From: user-from@domain.org (RealFrom)\r\nSubject: c\r\n\r\nbody\r\n");
        await using (engine)
        await using (wire)
        {
            Assert.Contains("* SEARCH 1 3", await wire.CommandAsync("a SEARCH FROM user-from@domain.org"));
            Assert.Contains("* SEARCH 3", await wire.CommandAsync("b SEARCH FROM realfrom"));
        }
    }

    [Fact]
    public async Task Rfc5256_SortCc_AndRfc5957_DisplayTo_TakeAGroupByItsName()
    {
        var (engine, wire) = await StartAsync(
            "From: a@x\r\nTo: foo bar <a@b.c>\r\nCc: user2@domain2.org\r\nSubject: 1\r\n\r\nx\r\n",
            "From: a@x\r\nTo: z: aa@aa.org, bb@bb.org;\r\nCc: user2: blah@domain1.org;\r\nSubject: 2\r\n\r\nx\r\n",
            "From: a@x\r\nTo: a: xx@xx.org;\r\nCc: user1@domain1.org\r\nSubject: 3\r\n\r\nx\r\n");
        await using (engine)
        await using (wire)
        {
            // CC: user1 (3), then user2 and the group "user2" (1, 2 by sequence); "blah" would put 2 first.
            Assert.Contains("* SORT 3 1 2", await wire.CommandAsync("a SORT (CC) US-ASCII ALL"));
            // DISPLAYTO: "a" (group), "foo bar", "z" (group); the members would give xx, foo bar, aa.
            Assert.Contains("* SORT 3 1 2", await wire.CommandAsync("b SORT (DISPLAYTO) US-ASCII ALL"));
        }
    }

    [Fact]
    public async Task Rfc2045_QuotedPrintable_Binary_DropsTrailingWhitespace_AndTakesPaddedSoftBreaks()
    {
        // imaptest's fetch-binary-mime-qp message.
        const string Part = "hello  \r\nbar=\r\n\r\nfoo\t=\r\nbar\r\nfoo\t \t= \r\n=62\r\nfoo = \t\r\nbar\r\nfoo =\r\n=62\r\nfoo  \r\nbar=\r\n\r\nfoo_bar\r\n";
        var message = "From: user@domain.org\r\nMime-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + Part + "\r\n--b--\r\n";
        var (engine, wire) = await StartAsync(message);
        await using (engine)
        await using (wire)
        {
            const string Decoded = "hello\r\nbar\r\nfoo\tbar\r\nfoo\t \tb\r\nfoo bar\r\nfoo b\r\nfoo\r\nbar\r\nfoo_bar\r\n";
            Assert.Contains($"* 1 FETCH (BINARY.SIZE[1] {Decoded.Length})", await wire.CommandAsync("a FETCH 1 BINARY.SIZE[1]"));
            var lines = await wire.CommandAsync("b FETCH 1 BINARY.PEEK[1]");
            Assert.Equal($"* 1 FETCH (BINARY[1] {{{Decoded.Length}}}", lines[0]);
            Assert.Equal(Decoded, string.Join("\r\n", lines.Skip(1).Take(9)) + "\r\n");
        }
    }

    [Fact]
    public async Task Rfc3516_AppendLiteral8_StoresTheBinaryPartAsBase64_AndBinaryFetchGivesTheBytesBack()
    {
        var (engine, wire) = await StartAsync();
        await using (engine)
        await using (wire)
        {
            var body = new byte[] { 0, 0xED, (byte)'\n', (byte)'\r', (byte)'\n', (byte)'\n', (byte)'\n' };
            var head = Encoding.ASCII.GetBytes("From: user@domain.org\r\nMime-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n");
            var message = head.Concat(body).ToArray();
            await wire.SendRawAsync([.. Encoding.ASCII.GetBytes($"a APPEND INBOX ~{{{message.Length}+}}\r\n"), .. message, .. "\r\n"u8]);
            Assert.StartsWith("a OK", (await wire.ReadUntilTaggedAsync("a"))[^1]);

            // Every byte kept (bare LF included) and BODY[1] is 7-bit: the part went in as base64.
            Assert.Contains(await wire.CommandAsync("b FETCH 1 (BINARY.SIZE[1] BODY.PEEK[1])"), l => l.StartsWith("* 1 FETCH (BINARY.SIZE[1] 7 BODY[1] {", StringComparison.Ordinal));
            var mime = await wire.CommandAsync("c FETCH 1 BODY.PEEK[1.MIME]");
            Assert.Contains(mime, l => l.Contains("Content-Transfer-Encoding: base64", StringComparison.OrdinalIgnoreCase));
            var encoded = await wire.CommandAsync("d FETCH 1 BODY.PEEK[1]");
            Assert.Contains(Convert.ToBase64String(body), string.Concat(encoded.Skip(1)));
        }
    }

    [Fact]
    public async Task Rfc5267_Esort_AnswersMinMaxAllCount_InSortOrder()
    {
        var (engine, wire) = await StartAsync(
            "From: a@x\r\nSubject: b\r\n\r\nxx\r\n", "From: a@x\r\nSubject: c\r\n\r\nx\r\n", "From: a@x\r\nSubject: a\r\n\r\nxxx\r\n");
        await using (engine)
        await using (wire)
        {
            Assert.Contains(await wire.CommandAsync("a CAPABILITY"), l => l.Contains(" ESORT", StringComparison.Ordinal));
            // By subject: 3 (a), 1 (b), 2 (c).
            Assert.Contains("* ESEARCH (TAG \"b\") MIN 3 MAX 2 ALL 3,1:2 COUNT 3", await wire.CommandAsync("b SORT RETURN (MIN MAX ALL COUNT) (SUBJECT) US-ASCII ALL"));
            Assert.Contains("* ESEARCH (TAG \"c\") UID ALL 3,1:2", await wire.CommandAsync("c UID SORT RETURN () (SUBJECT) US-ASCII ALL"));
            Assert.Contains("* ESEARCH (TAG \"d\") COUNT 0", await wire.CommandAsync("d SORT RETURN (COUNT) (ARRIVAL) US-ASCII SUBJECT nothing"));
            Assert.Contains("* SORT 3 1 2", await wire.CommandAsync("e SORT (SUBJECT) US-ASCII ALL"));
        }
    }
}
