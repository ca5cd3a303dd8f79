using System.Text;
using System.Text.RegularExpressions;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>
/// APPEND ... CATENATE (RFC 4469) against the engine's listener and store: a draft rebuilt from parts of stored
/// messages and new text, the way a client forwards without downloading, and what no user may do with it.
/// </summary>
public sealed class ImapServerCatenateTests
{
    private const string Original = "From: a@example.com\r\nSubject: original\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        + "--b\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n--b\r\nContent-Type: text/plain; name=\"n.txt\"\r\n\r\nsecond part\r\n--b--\r\n";

    private static async Task<(EngineHost Engine, ImapWire Wire, uint UidValidity, uint Uid)> StartAsync(string user)
    {
        var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(user);
        await engine.DeliverAsync(account, Original);
        var wire = await ImapServerClients.WireAsync(engine, user);
        var select = await wire.CommandAsync("s SELECT INBOX");
        var uidValidity = uint.Parse(Regex.Match(string.Join("\n", select), @"UIDVALIDITY (\d+)").Groups[1].Value);
        var fetch = await wire.CommandAsync("f FETCH 1 (UID)");
        var uid = uint.Parse(Regex.Match(string.Join("\n", fetch), @"UID (\d+)").Groups[1].Value);
        return (engine, wire, uidValidity, uid);
    }

    private static string Literal(string text) => $"{{{Encoding.UTF8.GetByteCount(text)}+}}\r\n{text}";

    [Fact]
    public async Task Rfc4469_Catenate_JoinsTextAndUrlParts_IntoOneStoredMessage()
    {
        var (engine, wire, uidValidity, uid) = await StartAsync("cat@example.com");
        await using var _ = engine;
        await using var __ = wire;
        Assert.Contains(await wire.CommandAsync("c0 CAPABILITY"), l => l.StartsWith("* CAPABILITY", StringComparison.Ordinal) && l.Contains(" CATENATE"));
        await wire.CommandAsync("c1 CREATE Drafts");

        var header = "From: me@example.com\r\nSubject: Fwd: original\r\n\r\n";
        await wire.SendAsync($"c2 APPEND Drafts (\\Draft) CATENATE (TEXT {Literal(header)} URL \"/INBOX;UIDVALIDITY={uidValidity}/;UID={uid}/;SECTION=1\" TEXT {Literal("\r\n-- \r\nsig\r\n")})\r\n");
        Assert.Matches(@"^c2 OK \[APPENDUID \d+ 1\]", (await wire.ReadUntilTaggedAsync("c2")).Last());
        // A section and a partial range, lower-case parameter names as imaptest writes them.
        await wire.SendAsync($"c3 APPEND Drafts CATENATE (URL \"/INBOX/;uid={uid}/;section=header\" URL \"/INBOX/;uid={uid}/;section=2/;partial=0.6\" TEXT {Literal("\r\n")})\r\n");
        Assert.StartsWith("c3 OK", (await wire.ReadUntilTaggedAsync("c3")).Last());

        await wire.CommandAsync("c4 SELECT Drafts");
        // The wire reader gives lines without their CRLF; the literal sizes say the bytes are exact.
        var body = string.Join("\n", await wire.CommandAsync("c5 FETCH 1:2 (FLAGS BODY.PEEK[])"));
        Assert.Contains($"BODY[] {{{Encoding.ASCII.GetByteCount(header + "first part\r\n-- \r\nsig\r\n")}}}", body);
        Assert.Contains((header + "first part\r\n-- \r\nsig\r\n").Replace("\r\n", "\n"), body);
        Assert.Contains("\\Draft", body);
        Assert.Contains("Content-Type: multipart/mixed; boundary=\"b\"\n\nsecond\n", body);

        // Reading the source through a URL does not mark it \Seen.
        await wire.CommandAsync("c6 SELECT INBOX");
        Assert.DoesNotContain("\\Seen", string.Join("\n", await wire.CommandAsync("c7 FETCH 1 FLAGS")));
    }

    [Fact]
    public async Task Rfc4469_ABadUrl_FailsTheWholeCommand_WithBadUrl_AndStoresNothing()
    {
        var (engine, wire, uidValidity, uid) = await StartAsync("badurl@example.com");
        await using var _ = engine;
        await using var __ = wire;
        foreach (var url in new[]
        {
            $"/INBOX;UIDVALIDITY={uidValidity + 1}/;UID={uid}",   // stale UIDVALIDITY
            $"/INBOX/;UID={uid + 10}",                           // no such message
            $"/Nowhere/;UID={uid}",                              // no such folder
            $"/INBOX/;UID={uid}/;SECTION=9",                     // no such part
            $"/INBOX/;UID={uid}/;URLAUTH=anonymous:internal:0",  // URLAUTH is not offered
            "not a url",
        })
        {
            await wire.SendAsync($"b1 APPEND INBOX (\\Seen) CATENATE (TEXT {Literal("X: 1\r\n\r\n")} URL \"{url}\") {Literal("X: 2\r\n\r\nplain\r\n")}\r\n");
            var answer = (await wire.ReadUntilTaggedAsync("b1")).Last();
            Assert.StartsWith("b1 NO [BADURL ", answer);
        }

        Assert.Contains("* STATUS INBOX (MESSAGES 1)", await wire.CommandAsync("b2 STATUS INBOX (MESSAGES)"));
        // A missing target says TRYCREATE before any URL is looked at.
        await wire.SendAsync($"b3 APPEND Missing CATENATE (URL \"/INBOX;UIDVALIDITY=1/;UID=99\")\r\n");
        Assert.StartsWith("b3 NO [TRYCREATE]", (await wire.ReadUntilTaggedAsync("b3")).Last());
    }

    [Fact]
    public async Task Catenate_CannotReachAnotherUsersMail_NorForgeAResponseWithItsUrl()
    {
        var (engine, wire, _, uid) = await StartAsync("owner@example.com");
        await using var __ = engine;
        await using var ___ = wire;
        var other = await engine.CreateMailboxAsync("stranger@example.com");
        await using var stranger = await ImapServerClients.WireAsync(engine, "stranger@example.com");

        // The stranger names the owner's message in every way a URL can: the path is the stranger's own INBOX
        // (empty), and an absolute URL with the owner's name is refused.
        await stranger.SendAsync($"x1 APPEND INBOX CATENATE (URL \"/INBOX/;UID={uid}\")\r\n");
        Assert.StartsWith("x1 NO [BADURL ", (await stranger.ReadUntilTaggedAsync("x1")).Last());
        await stranger.SendAsync($"x2 APPEND INBOX CATENATE (URL \"imap://owner%40example.com@localhost/INBOX/;UID={uid}\")\r\n");
        Assert.StartsWith("x2 NO [BADURL ", (await stranger.ReadUntilTaggedAsync("x2")).Last());
        Assert.Equal(0, (await engine.Store.GetQuotaAsync(other.Id))!.MessageCount);

        // A URL sent as a literal may hold CR LF and "]": echoed in BADURL, they must not end the line or the code.
        var hostile = "/x]\r\nx3 OK forged";
        await stranger.SendAsync($"x3 APPEND INBOX CATENATE (URL {Literal(hostile)})\r\n");
        var lines = await stranger.ReadUntilTaggedAsync("x3");
        Assert.Single(lines, l => l.StartsWith("x3 ", StringComparison.Ordinal));
        Assert.StartsWith("x3 NO [BADURL /x???x3 OK forged]", lines.Last());
    }

    [Fact]
    public async Task Catenate_TooManyParts_IsBad_AndTheSessionGoesOn()
    {
        var (engine, wire, _, uid) = await StartAsync("many@example.com");
        await using var _ = engine;
        await using var __ = wire;
        var parts = string.Join(' ', Enumerable.Repeat($"URL \"/INBOX/;UID={uid}\"", 101));
        Assert.StartsWith("m1 BAD", (await wire.CommandAsync($"m1 APPEND INBOX CATENATE ({parts})")).Last());
        Assert.StartsWith("m2 OK", (await wire.CommandAsync("m2 NOOP")).Last());
    }
}
