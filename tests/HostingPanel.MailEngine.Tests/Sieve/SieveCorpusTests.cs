using System.Text;
using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Tests.ManageSieve;
using HostingPanel.MailEngine.Tests.Security;
using Xunit;
using static HostingPanel.MailEngine.Tests.Sieve.SieveTestKit;

namespace HostingPanel.MailEngine.Tests.Sieve;

/// <summary>
/// Scripts in the shapes real clients write them (Sieve/Corpus: Roundcube's managesieve plugin, Horde Ingo, SOGo,
/// SnappyMail/RainLoop, Nextcloud Mail, Thunderbird's Sieve add-on): each is accepted over ManageSieve and does
/// what its rules say on messages that should and should not match.
/// </summary>
public sealed class SieveCorpusTests
{
    private static readonly string CorpusDirectory = Path.Combine(AppContext.BaseDirectory, "Sieve", "Corpus");

    private static string Script(string name) => File.ReadAllText(Path.Combine(CorpusDirectory, name + ".sieve"));

    private static SieveResult RunCorpus(string name, string headers, string body = "Body.\r\n", string from = "alice@example.org",
        string to = "me@example.com", DateTimeOffset? now = null) =>
        Run(Script(name), Msg(headers, body), from, to, new SieveEnvironment { Now = now ?? new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero) });

    private static List<string> NameList() => [.. System.IO.Directory.GetFiles(CorpusDirectory, "*.sieve").Select(f => Path.GetFileNameWithoutExtension(f)).Order()];

    public static TheoryData<string> Names() => [.. NameList()];

    [Theory, MemberData(nameof(Names))]
    public void EveryCorpusScript_Compiles_AndAPlainMessageIsKept(string name)
    {
        var result = RunCorpus(name, "From: stranger@example.net\r\nTo: me@example.com\r\nSubject: hello");
        Assert.Null(result.Error);
        Assert.Contains(MailStore.Inbox, result.Folders());
    }

    [Fact]
    public void Roundcube_Rules()
    {
        Assert.Equal(["Newsletters"], RunCorpus("roundcube-rules", "From: n@x.example\r\nList-Id: Weekly newsletter <weekly.x.example>\r\nSubject: s").Folders());
        Assert.Equal(["Newsletters"], RunCorpus("roundcube-rules", "From: Bulletin <b@news.example.org>\r\nSubject: s").Folders());

        var invoice = RunCorpus("roundcube-rules", "From: shop@example.net\r\nSubject: Your invoice 42");
        Assert.Equal(["accountant@books.example"], invoice.Redirects);
        Assert.Equal(["INBOX", "Invoices"], invoice.Folders().Order().ToArray());
        // addflag came after the fileinto: only the implicit keep carries the flag.
        Assert.Equal(MessageFlags.Flagged, invoice.Folders.Single(f => f.Folder == MailStore.Inbox).Flags);
        Assert.Empty(RunCorpus("roundcube-rules", "From: shop@example.net\r\nSubject: invoice reminder").Redirects);

        Assert.Equal(["Junk"], RunCorpus("roundcube-rules", "From: s@example.net\r\nX-Spam-Score: 12\r\nSubject: s").Folders());
        Assert.Equal(["INBOX"], RunCorpus("roundcube-rules", "From: s@example.net\r\nX-Spam-Score: 4\r\nSubject: s").Folders());
        var boss = RunCorpus("roundcube-rules", "From: b@corp.example\r\nSubject: s", from: "boss@corp.example");
        Assert.Equal(MessageFlags.Flagged, Assert.Single(boss.Folders).Flags);
        Assert.Empty(RunCorpus("roundcube-rules", "From: l@example.net\r\nSubject: bye", "Hello, you have been unsubscribed from our list.\r\n").Folders);
    }

    [Fact]
    public void Roundcube_VacationWithADateRange_RepliesOnlyInsideIt()
    {
        var inside = RunCorpus("roundcube-vacation", "From: a@example.org\r\nTo: me@example.com\r\nSubject: s", now: new DateTimeOffset(2026, 12, 15, 8, 0, 0, TimeSpan.Zero));
        Assert.NotNull(inside.Vacation);
        Assert.Equal("Out of office", inside.Vacation!.Subject);
        Assert.Equal(86400, inside.Vacation.Seconds);
        Assert.Equal(["me@example.com", "me.alias@example.com"], inside.Vacation.Addresses);
        Assert.StartsWith("I am away until January.\r\n\r\nPlease write to support@example.com", inside.Vacation.Reason.ReplaceLineEndings("\r\n"));
        Assert.Null(RunCorpus("roundcube-vacation", "From: a@example.org\r\nSubject: s", now: new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)).Vacation);
        Assert.Null(RunCorpus("roundcube-vacation", "From: a@example.org\r\nSubject: s", now: new DateTimeOffset(2026, 11, 30, 23, 59, 0, TimeSpan.Zero)).Vacation);

        var forward = RunCorpus("roundcube-vacation-forward", "From: a@example.org\r\nSubject: s");
        Assert.NotNull(forward.Vacation);
        Assert.Equal(["deputy@example.net"], forward.Redirects);
        Assert.Equal(["INBOX"], forward.Folders());
    }

    [Fact]
    public void HordeIngo_VacationSkipsLists_BlacklistDiscards_InvoicesFiled()
    {
        var invoice = RunCorpus("ingo-horde", "From: shop@example.net\r\nTo: me@example.com\r\nSubject: Invoice 7");
        Assert.Equal(["Invoices"], invoice.Folders());
        Assert.Equal("On vacation", invoice.Vacation!.Subject);
        Assert.Null(RunCorpus("ingo-horde", "From: l@example.net\r\nList-Id: <l.example.net>\r\nSubject: s").Vacation);
        Assert.Null(RunCorpus("ingo-horde", "From: l@example.net\r\nTo: Multiple recipients of list X <x@example.net>\r\nSubject: s").Vacation);
        Assert.Empty(RunCorpus("ingo-horde", "From: Spam <SPAMMER@bad.example>\r\nSubject: s").Folders);
        Assert.Equal(MessageFlags.Flagged, Assert.Single(RunCorpus("ingo-horde", "From: boss@example.com\r\nSubject: s").Folders).Flags);
    }

    [Fact]
    public void Sogo_FlagFileAndJunk()
    {
        Assert.Equal(MessageFlags.Flagged, Assert.Single(RunCorpus("sogo", "From: The Boss <boss@example.com>\r\nSubject: s").Folders).Flags);
        Assert.Equal(["Projects/X"], RunCorpus("sogo", "From: a@example.org\r\nSubject: [project-x] status").Folders());
        Assert.Equal(["Junk"], RunCorpus("sogo", "From: a@example.org\r\nX-Spam-Flag: YES\r\nSubject: s").Folders());
    }

    [Fact]
    public void SnappyMail_BracketCommentsAndMatchVariables()
    {
        Assert.Equal(["Receipts"], RunCorpus("snappymail", "From: shop@example.net\r\nSubject: Your receipt").Folders());
        // "*<*.*>" against "Developers <dev.lists.example>": ${2} is "dev" (leftmost, shortest).
        Assert.Equal(["INBOX", "Lists/dev"], RunCorpus("snappymail", "From: a@example.org\r\nList-Id: Developers <dev.lists.example>\r\nSubject: s").Folders().Order().ToArray());
    }

    [Fact]
    public void NextcloudMail_FilterByAddress()
    {
        Assert.Equal(["Accounting"], RunCorpus("nextcloud-mail", "From: Vendor AR <ar@vendor.example>\r\nSubject: s").Folders());
        Assert.Equal(["INBOX"], RunCorpus("nextcloud-mail", "From: ap@vendor.example\r\nSubject: s").Folders());
    }

    [Fact]
    public void ThunderbirdAddon_ListsAndSubaddressDetail_Rfc5233()
    {
        var list = RunCorpus("thunderbird-sieve-addon", "From: a@example.org\r\nTo: me@example.com\r\nCc: dev@lists.example\r\nSubject: s");
        var folder = Assert.Single(list.Folders);
        Assert.Equal("Lists/dev", folder.Folder);
        Assert.True(folder.Create);
        Assert.Equal(["Shopping"], RunCorpus("thunderbird-sieve-addon", "From: shop@example.net\r\nSubject: s", to: "me+shop@example.com").Folders());
        Assert.Equal(["INBOX"], RunCorpus("thunderbird-sieve-addon", "From: shop@example.net\r\nSubject: s", to: "me+other@example.com").Folders());
        // RFC 5233 section 4: no separator, no detail: not even "" matches.
        Assert.Equal(["INBOX"], Run("require [\"envelope\", \"subaddress\", \"fileinto\"]; if envelope :detail \"to\" \"\" { fileinto \"X\"; }", to: "me@example.com").Folders());
        Assert.Equal(["X"], Run("require [\"envelope\", \"subaddress\", \"fileinto\"]; if envelope :detail \"to\" \"\" { fileinto \"X\"; }", to: "me+@example.com").Folders());
        Assert.Equal(["X"], Run("require [\"subaddress\", \"fileinto\"]; if address :user \"to\" \"me\" { fileinto \"X\"; }", Msg("To: me+news@example.com")).Folders());
        Assert.Contains("needs require \"subaddress\"", Assert.Throws<SieveCompileException>(() => SieveScript.Compile("if address :user \"to\" \"me\" { keep; }")).Message);
    }

    /// <summary>The clients upload over ManageSieve: every corpus script goes up with PUTSCRIPT and comes back unchanged.</summary>
    [Fact]
    public async Task EveryCorpusScript_IsAcceptedOverManageSieve_AndReadBackUnchanged()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("me@example.com");
        await using var client = await RawLineClient.ConnectAsync(ManageSieveProtocolTests.Port(engine));
        await ReadResponseAsync(client);
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0me@example.com\0" + EngineHost.Password));
        Assert.Equal("OK \"Logged in\"", (await CommandAsync(client, $"AUTHENTICATE \"PLAIN\" \"{plain}\""))[^1]);
        var names = NameList();
        Assert.True(names.Count >= 8, "the corpus is copied next to the tests");
        foreach (var name in names)
        {
            var text = Script(name).ReplaceLineEndings("\r\n");
            var literal = "{" + Encoding.UTF8.GetByteCount(text) + "+}\r\n" + text;
            Assert.Equal("OK", (await CommandAsync(client, "CHECKSCRIPT " + literal))[^1]);
            Assert.Equal("OK", (await CommandAsync(client, $"PUTSCRIPT \"{name}\" " + literal))[^1]);
        }
        var listed = await CommandAsync(client, "LISTSCRIPTS");
        Assert.Equal(names.Select(n => $"\"{n}\"").Order(), listed[..^1].Order());
        var store = engine.Services.GetService(typeof(SieveScriptStore)) as SieveScriptStore;
        var account = (await engine.Directory.FindMailboxAsync("me@example.com"))!;
        foreach (var name in names)
            Assert.Equal(Script(name).ReplaceLineEndings("\r\n"), (await store!.GetAsync(account.Id, name))!);
    }

    private static async Task<List<string>> ReadResponseAsync(RawLineClient client)
    {
        var lines = new List<string>();
        while (await client.ReadLineAsync() is { } line)
        {
            lines.Add(line);
            if (line.StartsWith("OK", StringComparison.Ordinal) || line.StartsWith("NO", StringComparison.Ordinal) || line.StartsWith("BYE", StringComparison.Ordinal))
                return lines;
        }
        lines.Add("<closed>");
        return lines;
    }

    private static async Task<List<string>> CommandAsync(RawLineClient client, string command)
    {
        await client.SendAsync(command + "\r\n");
        return await ReadResponseAsync(client);
    }
}
