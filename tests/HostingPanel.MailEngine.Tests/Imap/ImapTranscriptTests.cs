using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using HostingPanel.MailEngine.Sessions.Imap;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Imap;

/// <summary>C:/S: dialogs against a real connection, one rule per test.</summary>
public sealed class ImapTranscriptTests
{
    private const string Plain = "From: a@example.com\r\nSubject: one\r\nMessage-ID: <1@x>\r\n\r\nfirst body\r\n";
    private const string Reply = "From: b@example.com\r\nSubject: Re: one\r\nMessage-ID: <2@x>\r\nIn-Reply-To: <1@x>\r\n\r\nsecond\r\n";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(ImapTestServer Server, ImapRawClient Client)> StartAsync(bool select = true, ImapSessionOptions? options = null)
    {
        var server = new ImapTestServer(options);
        server.Account.Deliver("INBOX", Plain);
        server.Account.Deliver("INBOX", Reply, "\\Seen");
        var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        if (select)
        {
            await client.CommandAsync("S", "SELECT INBOX");
        }

        return (server, client);
    }

    [Fact]
    public async Task Rfc9051_Select_ReportsExistsFlagsUidValidityUidNext()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        var lines = await client.CommandAsync("A142", "SELECT INBOX");
        Assert.Contains("* 2 EXISTS", lines);
        Assert.Contains(lines, l => l.StartsWith("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("* OK [UIDVALIDITY ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("* OK [UIDNEXT 3]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("* OK [UNSEEN 1]", StringComparison.Ordinal));
        Assert.StartsWith("A142 OK [READ-WRITE]", lines[^1]);
    }

    /// <summary>
    /// A failure inside the server answers NO [SERVERBUG] (RFC 5530) without its details, keeps the session, and is
    /// written to the log with the command and the user, so the operator can find the cause.
    /// </summary>
    [Fact]
    public async Task Rfc5530_AFailureInsideTheServer_IsNoServerbug_AndLogged()
    {
        var log = new CapturingLogger();
        var (server, client) = await StartAsync(select: false, new ImapSessionOptions { AllowPlaintextAuth = true, Hostname = "test.example", Log = log });
        await using var _ = server;
        await using var __ = client;
        server.Account.ListFailure = new InvalidOperationException("the store's disk went away");
        var reply = (await client.CommandAsync("a", "LIST \"\" *"))[^1];
        Assert.Equal("a NO [SERVERBUG] Internal error.", reply);
        Assert.DoesNotContain("disk", reply);
        var entry = Assert.Single(log.Entries);
        Assert.Contains("LIST", entry.Message);
        Assert.Contains("user@example.com", entry.Message);
        Assert.Equal("the store's disk went away", entry.Exception?.Message);
        server.Account.ListFailure = null;
        Assert.StartsWith("b OK", (await client.CommandAsync("b", "NOOP"))[^1]);
    }

    private sealed class CapturingLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<(string Message, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries) Entries.Add((formatter(state, exception), exception));
        }
    }

    [Fact]
    public async Task Rfc9051_Examine_IsReadOnly_AndStoreIsRefused()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        Assert.StartsWith("A932 OK [READ-ONLY]", (await client.CommandAsync("A932", "EXAMINE INBOX"))[^1]);
        Assert.StartsWith("a NO", (await client.CommandAsync("a", "STORE 1 +FLAGS (\\Deleted)"))[^1]);
    }

    [Fact]
    public async Task Rfc7162_CondStore_FetchChangedSince_AndStoreUnchangedSince()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        var select = await client.CommandAsync("a", "SELECT INBOX (CONDSTORE)");
        Assert.Contains(select, l => l.StartsWith("* OK [HIGHESTMODSEQ ", StringComparison.Ordinal));
        var fetch = await client.CommandAsync("b", "FETCH 1:* (FLAGS) (CHANGEDSINCE 2)");
        Assert.Equal("* 2 FETCH (FLAGS (\\Seen) MODSEQ (3))", Assert.Single(fetch, l => l.StartsWith('*')));
        var store = await client.CommandAsync("c", "STORE 1,2 (UNCHANGEDSINCE 2) +FLAGS.SILENT (\\Flagged)");
        Assert.StartsWith("c OK [MODIFIED 2]", store[^1]);
    }

    [Fact]
    public async Task Rfc4731_Esearch_And_Rfc5182_SearchRes()
    {
        var (server, client) = await StartAsync();
        await using var _ = server;
        await using var __ = client;
        var lines = await client.CommandAsync("A282", "SEARCH RETURN (MIN COUNT SAVE) ALL");
        Assert.Equal("* ESEARCH (TAG \"A282\") MIN 1 COUNT 2", lines[0]);
        var fetch = await client.CommandAsync("b", "FETCH $ (UID)");
        Assert.Equal(["* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)"], fetch.Where(l => l.StartsWith('*')));
        Assert.Equal("* SEARCH 2", (await client.CommandAsync("c", "SEARCH SEEN"))[0]);
    }

    [Fact]
    public async Task Rfc5258_ListExtended_WithStatusAndSpecialUse()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        var lines = await client.CommandAsync("a", "LIST (SPECIAL-USE) \"\" * RETURN (STATUS (MESSAGES UNSEEN))");
        Assert.Contains("* LIST (\\HasNoChildren \\Sent) \"/\" Sent", lines);
        Assert.Contains("* STATUS Sent (MESSAGES 0 UNSEEN 0)", lines);
        Assert.DoesNotContain(lines, l => l.EndsWith(" INBOX", StringComparison.Ordinal));
        Assert.Equal("* LIST (\\Noselect) \"/\" \"\"", (await client.CommandAsync("b", "LIST \"\" \"\""))[0]);
    }

    [Fact]
    public async Task Rfc9051_StatusOfInbox()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        Assert.StartsWith("* STATUS INBOX (MESSAGES 2 UIDNEXT 3 UNSEEN 1", (await client.CommandAsync("a", "STATUS INBOX (MESSAGES UIDNEXT UNSEEN SIZE)"))[0]);
    }

    [Fact]
    public async Task Rfc6154_CreateSpecialUse_ShowsInList()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        Assert.StartsWith("t1 OK", (await client.CommandAsync("t1", "CREATE \"Important Messages\" (USE (\\Flagged))"))[^1]);
        Assert.Contains("* LIST (\\HasNoChildren \\Flagged) \"/\" \"Important Messages\"", await client.CommandAsync("t2", "LIST \"\" \"Important*\""));
        Assert.StartsWith("t3 NO [ALREADYEXISTS]", (await client.CommandAsync("t3", "CREATE \"Important Messages\""))[^1]);
    }

    [Fact]
    public async Task Rfc4315_AppendUid_And_TryCreate()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        await client.SendAsync("A003 APPEND Sent (\\Seen) {12+}\r\nSubject: x\r\n\r\n");
        var lines = await client.ReadUntilTaggedAsync("A003");
        Assert.Matches(@"^A003 OK \[APPENDUID \d+ 1\]", lines[^1]);
        await client.SendAsync("A004 APPEND Nowhere {12+}\r\nSubject: x\r\n\r\n");
        Assert.StartsWith("A004 NO [TRYCREATE]", (await client.ReadUntilTaggedAsync("A004"))[^1]);
    }

    [Fact]
    public async Task Quota_AppendBeyondQuota_IsOverQuota()
    {
        await using var server = new ImapTestServer();
        var account = server.Store.AddUser("small@example.com", "pw", quotaBytes: 100);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.CommandAsync("l", "LOGIN small@example.com pw");
        var body = "Subject: big\r\n\r\n" + new string('x', 200);
        await client.SendAsync("a APPEND INBOX {" + body.Length + "+}\r\n" + body + "\r\n");
        Assert.StartsWith("a NO [OVERQUOTA]", (await client.ReadUntilTaggedAsync("a"))[^1]);
        Assert.Equal(0, (await account.GetQuotaAsync(Ct)).UsedBytes);
    }

    [Fact]
    public async Task Rfc4315_CopyUid_And_Rfc6851_Move()
    {
        var (server, client) = await StartAsync();
        await using var _ = server;
        await using var __ = client;
        Assert.Matches(@"^c OK \[COPYUID \d+ 1:2 1:2\]", (await client.CommandAsync("c", "COPY 1:2 Archive"))[^1]);
        var move = await client.CommandAsync("m", "UID MOVE 2 Trash");
        Assert.Matches(@"^\* OK \[COPYUID \d+ 2 1\]", move[0]);
        Assert.Equal("* 2 EXPUNGE", move[1]);
        Assert.StartsWith("m OK", move[^1]);
        Assert.StartsWith("x NO [TRYCREATE]", (await client.CommandAsync("x", "COPY 1 Nowhere"))[^1]);
    }

    [Fact]
    public async Task Rfc4315_UidExpunge_OnlyTheGivenUids()
    {
        var (server, client) = await StartAsync();
        await using var _ = server;
        await using var __ = client;
        await client.CommandAsync("a", "STORE 1:2 +FLAGS.SILENT (\\Deleted)");
        var lines = await client.CommandAsync("b", "UID EXPUNGE 2");
        Assert.Equal(["* 2 EXPUNGE"], lines.Where(l => l.StartsWith('*')));
        Assert.Equal(["* 1 EXPUNGE"], (await client.CommandAsync("c", "EXPUNGE")).Where(l => l.StartsWith('*')));
    }

    [Fact]
    public async Task Rfc9051_FetchPartialBeyondEnd_IsEmptyString()
    {
        var (server, client) = await StartAsync();
        await using var _ = server;
        await using var __ = client;
        var lines = await client.CommandAsync("a", "FETCH 1 (BODY.PEEK[TEXT]<5000.10> BODY.PEEK[TEXT]<0.5>)");
        Assert.Equal("* 1 FETCH (BODY[TEXT]<5000> {0}", lines[0]);
        Assert.Equal(" BODY[TEXT]<0> {5}", lines[1]);
        Assert.Equal("first)", lines[2]);
    }

    [Fact]
    public async Task Rfc9051_FetchBody_SetsSeen_PeekDoesNot()
    {
        var (server, client) = await StartAsync();
        await using var _ = server;
        await using var __ = client;
        await client.CommandAsync("a", "FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]");
        Assert.Equal("* SEARCH 1", (await client.CommandAsync("b", "SEARCH UNSEEN"))[0]);
        var fetch = await client.CommandAsync("c", "FETCH 1 BODY[TEXT]");
        Assert.Contains(fetch, l => l.Contains("FLAGS (\\Seen)", StringComparison.Ordinal));
        Assert.Equal("* SEARCH", (await client.CommandAsync("d", "SEARCH UNSEEN"))[0]);
    }

    [Fact]
    public async Task Rfc5256_Thread_Transcript()
    {
        var (server, client) = await StartAsync();
        await using var _ = server;
        await using var __ = client;
        Assert.Equal("* THREAD (1 2)", (await client.CommandAsync("A283", "THREAD REFERENCES UTF-8 ALL"))[0]);
        Assert.Equal("* THREAD (1 2)", (await client.CommandAsync("A284", "THREAD ORDEREDSUBJECT UTF-8 ALL"))[0]);
        Assert.Equal("* SORT 2 1", (await client.CommandAsync("A285", "SORT (REVERSE FROM) UTF-8 ALL"))[0]);
    }

    [Fact]
    public async Task Rfc2342_Namespace_And_Rfc2971_Id_And_Rfc5161_Enable()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        Assert.Equal("* NAMESPACE ((\"\" \"/\")) NIL NIL", (await client.CommandAsync("a", "NAMESPACE"))[0]);
        Assert.StartsWith("* ID (", (await client.CommandAsync("b", "ID (\"name\" \"test\")"))[0]);
        Assert.Equal("* ENABLED CONDSTORE", (await client.CommandAsync("c", "ENABLE CONDSTORE X-UNKNOWN"))[0]);
    }

    [Fact]
    public async Task Rfc3691_Unselect_DoesNotExpunge()
    {
        var (server, client) = await StartAsync();
        await using var _ = server;
        await using var __ = client;
        await client.CommandAsync("a", "STORE 1 +FLAGS (\\Deleted)");
        Assert.StartsWith("b OK", (await client.CommandAsync("b", "UNSELECT"))[^1]);
        Assert.StartsWith("* STATUS INBOX (MESSAGES 2)", (await client.CommandAsync("c", "STATUS INBOX (MESSAGES)"))[0]);
        await client.CommandAsync("d", "SELECT INBOX");
        await client.CommandAsync("e", "CLOSE");
        Assert.StartsWith("* STATUS INBOX (MESSAGES 1)", (await client.CommandAsync("f", "STATUS INBOX (MESSAGES)"))[0]);
    }

    [Fact]
    public async Task Rfc3516_BinaryFetch_OfBase64Part()
    {
        var (server, client) = await StartAsync();
        await using var _ = server;
        await using var __ = client;
        server.Account.Deliver("INBOX", "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n");
        await client.CommandAsync("n", "NOOP");
        var lines = await client.CommandAsync("a", "FETCH 3 (BINARY.SIZE[1] BINARY.PEEK[1])");
        Assert.Equal("* 3 FETCH (BINARY.SIZE[1] 5 BINARY[1] {5}", lines[0]);
        Assert.Equal("hello)", lines[1]);
    }

    [Fact]
    public async Task Rfc4959_AuthenticatePlain_WithContinuation()
    {
        await using var server = new ImapTestServer();
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.SendAsync("a AUTHENTICATE PLAIN\r\n");
        Assert.Equal("+ ", await client.ReadLineAsync());
        await client.SendAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes("\0user@example.com\0secret")) + "\r\n");
        Assert.StartsWith("a OK", (await client.ReadUntilTaggedAsync("a"))[^1]);
    }

    [Fact]
    public async Task NoopReportsNewMail_AndExpungeFromAnotherSession()
    {
        var (server, client) = await StartAsync();
        await using var _ = server;
        await using var __ = client;
        server.Account.Deliver("INBOX", Plain);
        Assert.Contains("* 3 EXISTS", await client.CommandAsync("a", "NOOP"));
        await using var other = await ImapRawClient.ConnectAsync(server.Port);
        await other.LoginAsync();
        await other.CommandAsync("s", "SELECT INBOX");
        await other.CommandAsync("d", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        await other.CommandAsync("e", "EXPUNGE");

        // FETCH must not announce the expunge (RFC 9051 7.5.1); NOOP does.
        Assert.DoesNotContain(await client.CommandAsync("f", "FETCH 1 FLAGS"), l => l.EndsWith("EXPUNGE", StringComparison.Ordinal));
        Assert.Contains("* 1 EXPUNGE", await client.CommandAsync("g", "NOOP"));
    }

    [Fact]
    public async Task StartTls_UpgradesAndThenAllowsLogin()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var generated = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var certificate = X509CertificateLoader.LoadPkcs12(generated.Export(X509ContentType.Pfx), null);
        var store = new InMemoryImapStore();
        store.AddUser("user@example.com", "secret");
        var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var serverTask = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptTcpClientAsync(Ct);
            var connection = new ImapConnection(accepted.GetStream(), new ImapSessionOptions(), store, new ImapClientInfo(null, false), certificate);
            await connection.RunAsync(Ct);
        }, Ct);

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port, Ct);
        var plain = tcp.GetStream();
        var reader = new StreamReader(plain, Encoding.ASCII);
        Assert.Contains("STARTTLS", await reader.ReadLineAsync(Ct));
        await plain.WriteAsync("a STARTTLS\r\n"u8.ToArray(), Ct);
        Assert.StartsWith("a OK", await reader.ReadLineAsync(Ct));
        await using var tls = new SslStream(plain, false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => true }, Ct);
        await tls.WriteAsync("b LOGIN user@example.com secret\r\nc LOGOUT\r\n"u8.ToArray(), Ct);
        var secure = new StreamReader(tls, Encoding.ASCII);
        Assert.StartsWith("b OK", await secure.ReadLineAsync(Ct));
        await serverTask.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        listener.Stop();
    }

    [Fact]
    public async Task Rfc7162_Qresync_SelectReportsVanishedAndChanges_AndExpungeBecomesVanished()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        server.Account.Deliver("INBOX", Plain);
        Assert.Equal("* ENABLED QRESYNC", (await client.CommandAsync("e", "ENABLE QRESYNC"))[0]);
        await client.CommandAsync("s1", "SELECT INBOX");
        await client.CommandAsync("d", "STORE 1 +FLAGS.SILENT (\\Deleted)");
        Assert.Contains("* VANISHED 1", await client.CommandAsync("x", "EXPUNGE"));
        await client.CommandAsync("u", "UNSELECT");

        // The client last knew modseq 2 and UIDs 1:5 (4 and 5 never existed: not reported).
        var select = await client.CommandAsync("s2", "SELECT INBOX (QRESYNC (1000 2 1:5))");
        Assert.Contains("* VANISHED (EARLIER) 1", select);
        Assert.Contains("* 1 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (3))", select);
        Assert.Contains("* 2 FETCH (UID 3 FLAGS () MODSEQ (4))", select);
    }

    [Fact]
    public async Task Rfc9051_AfterEnableImap4rev2_SearchAnswersWithEsearch()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        Assert.Equal("* ENABLED IMAP4rev2", (await client.CommandAsync("e", "ENABLE IMAP4rev2"))[0]);
        var select = await client.CommandAsync("s", "SELECT INBOX");
        Assert.DoesNotContain(select, l => l.EndsWith("RECENT", StringComparison.Ordinal));
        Assert.Equal("* ESEARCH (TAG \"a\") ALL 1:2", (await client.CommandAsync("a", "SEARCH ALL"))[0]);
        Assert.Equal("* ESEARCH (TAG \"b\") UID ALL 2", (await client.CommandAsync("b", "UID SEARCH SEEN"))[0]);
    }

    [Fact]
    public async Task TooManyBadCommands_EndWithBye()
    {
        await using var server = new ImapTestServer(new ImapSessionOptions { AllowPlaintextAuth = true, MaxBadCommands = 3 });
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.CommandAsync("a", "FROB");
        await client.CommandAsync("b", "FROB");
        await client.SendAsync("c FROB\r\n");
        Assert.StartsWith("c BAD", await client.ReadLineAsync());
        Assert.StartsWith("* BYE", await client.ReadLineAsync());
    }

    [Fact]
    public async Task Rfc9051_SynchronizingLiteral_GetsContinuationThenAppends()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        await client.SendAsync("A003 APPEND Drafts (\\Draft) {12}\r\n");
        Assert.StartsWith("+ ", await client.ReadLineAsync());
        await client.SendAsync("Subject: x\r\n\r\n\r\n");
        Assert.Matches(@"^A003 OK \[APPENDUID \d+ 1\]", (await client.ReadUntilTaggedAsync("A003"))[^1]);
        Assert.StartsWith("* STATUS Drafts (MESSAGES 1)", (await client.CommandAsync("b", "STATUS Drafts (MESSAGES)"))[0]);
    }

    [Fact]
    public async Task Rfc9051_Logout_SaysByeThenOk()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        var lines = await client.CommandAsync("A023", "LOGOUT");
        Assert.StartsWith("* BYE", lines[0]);
        Assert.StartsWith("A023 OK", lines[1]);
    }

    [Fact]
    public async Task List_HostileWildcardPattern_AnswersQuickly()
    {
        var (server, client) = await StartAsync(select: false);
        await using var _ = server;
        await using var __ = client;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var pattern = string.Concat(Enumerable.Repeat("*%", 20_000)) + "x" + string.Concat(Enumerable.Repeat("a*", 5_000));
        var lines = await client.CommandAsync("a", "LIST \"\" \"" + pattern + "\"");
        Assert.Matches("^a (OK|NO \\[LIMIT\\])", lines[^1]);
        var longest = string.Concat(Enumerable.Repeat("*a", 1000));
        Assert.Matches("^c (OK|NO \\[LIMIT\\])", (await client.CommandAsync("c", "LIST \"\" \"" + longest + "\""))[^1]);
        Assert.True(watch.ElapsedMilliseconds < 5000);
        Assert.Contains("* LIST (\\HasNoChildren \\Trash) \"/\" Trash", await client.CommandAsync("b", "LIST \"\" \"%*%T*h\""));
    }
}
