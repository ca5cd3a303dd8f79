using System.Text;
using HostingPanel.MailEngine.Storage;
using MailKit.Net.Pop3;
using MailKit.Security;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Pop3;

/// <summary>The POP3 server over real sockets: MailKit's client for what clients do, raw lines for what they must not.</summary>
public sealed class Pop3Tests
{
    private static async Task<Pop3Client> MailKitAsync(EngineHost engine, string user, SecureSocketOptions tls = SecureSocketOptions.None, bool implicitTls = false)
    {
        var client = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 10_000 };
        await client.ConnectAsync("127.0.0.1", implicitTls ? engine.Pop3sPort : engine.Pop3Port, tls);
        await client.AuthenticateAsync(user, EngineHost.Password);
        return client;
    }

    [Fact]
    public async Task Rfc1939_MailKitClient_ListsRetrievesAndDeletesAtQuit()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("pop@example.com");
        for (var i = 1; i <= 3; i++)
            await engine.DeliverAsync(account, EngineHost.Message($"message {i}"));

        using (var client = await MailKitAsync(engine, "pop@example.com"))
        {
            Assert.Equal(3, client.Count);
            Assert.Equal("message 2", (await client.GetMessageAsync(1)).Subject);
            var sizes = await client.GetMessageSizesAsync();
            var stored = await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id);
            Assert.Equal(stored.Select(m => (int)m.Size), sizes);
            await client.DeleteMessageAsync(0);
            await client.DisconnectAsync(quit: true);
        }

        var left = await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id);
        Assert.Equal(2, left.Count);
    }

    [Fact]
    public async Task Rfc1939_DeleIsAppliedOnlyAtQuit_AndRsetUndoesIt()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("dele@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("one"));
        await engine.DeliverAsync(account, EngineHost.Message("two"));

        await using (var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port))
        {
            await wire.LoginAsync("dele@example.com");
            Assert.StartsWith("+OK", await wire.CommandAsync("DELE 1"));
            Assert.StartsWith("-ERR", await wire.CommandAsync("RETR 1"));
            Assert.StartsWith("+OK 1 ", await wire.CommandAsync("STAT"));
            Assert.StartsWith("+OK maildrop has 2", await wire.CommandAsync("RSET"));
            Assert.StartsWith("+OK", await wire.CommandAsync("DELE 2"));
            // Connection dropped without QUIT: nothing is deleted.
        }
        await WaitUnlockedAsync(engine, account.Id);
        Assert.Equal(2, (await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id)).Count);

        await using (var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port))
        {
            await wire.LoginAsync("dele@example.com");
            Assert.StartsWith("+OK", await wire.CommandAsync("DELE 2"));
            Assert.StartsWith("+OK", await wire.CommandAsync("QUIT"));
        }
        var left = Assert.Single(await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id, includeSummaries: true));
        Assert.Contains("\"one\"", left.Envelope);
    }

    [Fact]
    public async Task Rfc1939_UidlIsStableAcrossSessionsDeliveriesAndDeletions()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("uidl@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("a"));
        await engine.DeliverAsync(account, EngineHost.Message("b"));

        IList<string> first;
        using (var client = await MailKitAsync(engine, "uidl@example.com"))
        {
            first = await client.GetMessageUidsAsync();
            await client.DeleteMessageAsync(0);
            await client.DisconnectAsync(true);
        }
        await engine.DeliverAsync(account, EngineHost.Message("c"));
        using (var client = await MailKitAsync(engine, "uidl@example.com"))
        {
            var second = await client.GetMessageUidsAsync();
            Assert.Equal(first[1], second[0]);
            Assert.Equal(3, second.Concat(first).Distinct().Count());
            Assert.All(second, uid => Assert.Matches("^[\\x21-\\x7E]{1,70}$", uid));
            await client.DisconnectAsync(true);
        }
    }

    [Fact]
    public async Task Rfc1939_SecondSession_GetsInUse_UntilTheFirstEnds()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("lock@example.com");
        await using var first = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        await first.LoginAsync("lock@example.com");

        await using var second = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        Assert.StartsWith("+OK", await second.CommandAsync("USER lock@example.com"));
        Assert.StartsWith("-ERR [IN-USE]", await second.CommandAsync("PASS " + EngineHost.Password));

        Assert.StartsWith("+OK", await first.CommandAsync("QUIT"));
        Assert.StartsWith("+OK", await second.CommandAsync("USER lock@example.com"));
        Assert.StartsWith("+OK", await second.CommandAsync("PASS " + EngineHost.Password));
    }

    [Fact]
    public async Task Rfc1939_Top_ReturnsHeadersBlankLineAndNLines()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("top@example.com");
        await engine.DeliverAsync(account, "Subject: top\r\nFrom: a@example.org\r\n\r\nline 1\r\n.line 2\r\nline 3\r\n");
        await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        await wire.LoginAsync("top@example.com");

        Assert.StartsWith("+OK", await wire.CommandAsync("TOP 1 2"));
        Assert.Equal(["Subject: top", "From: a@example.org", "", "line 1", ".line 2"], await wire.ReadMultilineAsync());
        Assert.StartsWith("+OK", await wire.CommandAsync("TOP 1 0"));
        Assert.Equal(["Subject: top", "From: a@example.org", ""], await wire.ReadMultilineAsync());
    }

    [Fact]
    public async Task Rfc1939_Retr_DotStuffsLinesStartingWithADot()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("dots@example.com");
        const string body = ".\r\n..two dots\r\n.one dot\r\nno dot\r\n";
        await engine.DeliverAsync(account, "Subject: dots\r\n\r\n" + body);
        using var client = await MailKitAsync(engine, "dots@example.com");
        var message = await client.GetMessageAsync(0);
        Assert.Equal(body.ReplaceLineEndings("\n"), message.TextBody!.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Rfc1939_Retr_LargeMessage_ArrivesWhole_WithDotLinesAtReadAndWriteEdges()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("large@example.com");
        // About 300 KB: several file reads and socket writes. Dot-leading lines sit exactly at the
        // 64 KiB read boundaries and just after them, and one line is a lone "." (a fake end).
        var text = new StringBuilder("Subject: large\r\nFrom: a@example.org\r\n\r\n");
        var line = 0;
        while (text.Length < 300_000)
        {
            var atEdge = text.Length % 65536 > 65536 - 80;
            if (atEdge)
            {
                // Pad so that the next line starts exactly on the boundary, then make it dot-leading.
                var pad = 65536 - text.Length % 65536 - 2;
                if (pad >= 0)
                    text.Append('p', pad).Append("\r\n").Append(".edge ").Append(line++).Append("\r\n");
                else
                    text.Append("\r\n");
                continue;
            }
            text.Append(line % 11 == 0 ? ".dot " : "line ").Append(line).Append(' ').Append('x', line % 70).Append("\r\n");
            if (line++ == 500)
                text.Append(".\r\n");
        }
        var message = text.ToString();
        await engine.DeliverAsync(account, message);
        var stored = Assert.Single(await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id));
        Assert.Equal(message.Length, stored.Size);

        await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        await wire.LoginAsync("large@example.com");
        Assert.Equal($"+OK {message.Length} octets", await wire.CommandAsync("RETR 1"));
        var expected = message.Replace("\r\n.", "\r\n..") + ".\r\n";
        Assert.Equal(expected, await wire.ReadMultilineRawAsync());
        Assert.StartsWith("+OK 1 ", await wire.CommandAsync("STAT"));
    }

    [Fact]
    public async Task Rfc1939_Retr_BareLineFeedBody_IsSentWithCrLf_AndDotStuffed()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("lf@example.com");
        await engine.DeliverAsync(account, "Subject: lf\n\n.dot line\nplain\n.\n");
        await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        await wire.LoginAsync("lf@example.com");

        const string onTheWire = "Subject: lf\r\n\r\n..dot line\r\nplain\r\n..\r\n";
        Assert.Equal($"+OK {onTheWire.Length - 2} octets", await wire.CommandAsync("RETR 1"));
        Assert.Equal(onTheWire + ".\r\n", await wire.ReadMultilineRawAsync());
        Assert.StartsWith("+OK", await wire.CommandAsync("TOP 1 1"));
        Assert.Equal("Subject: lf\r\n\r\n..dot line\r\n.\r\n", await wire.ReadMultilineRawAsync());
    }

    [Fact]
    public async Task Rfc1939_Retr_MessageEndingWithoutCrLf_GetsOneBeforeTheTerminator()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("noeol@example.com");
        await engine.DeliverAsync(account, "Subject: no eol\r\n\r\nfirst\r\n.last line without CRLF");
        await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        await wire.LoginAsync("noeol@example.com");

        Assert.StartsWith("+OK", await wire.CommandAsync("RETR 1"));
        Assert.Equal("Subject: no eol\r\n\r\nfirst\r\n..last line without CRLF\r\n.\r\n", await wire.ReadMultilineRawAsync());
        Assert.StartsWith("+OK", await wire.CommandAsync("TOP 1 5"));
        Assert.Equal("Subject: no eol\r\n\r\nfirst\r\n..last line without CRLF\r\n.\r\n", await wire.ReadMultilineRawAsync());
        Assert.Equal("+OK", await wire.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Rfc1939_Top_CountsOnlyBodyLines_AndPipelinedWithRetrKeepsTheOrder()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("toppipe@example.com");
        await engine.DeliverAsync(account, "Subject: t\r\n.X-Dot: header\r\n\r\nb1\r\n.b2\r\nb3\r\n");
        await engine.DeliverAsync(account, EngineHost.Message("second", ".only line\r\n"));
        await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        await wire.LoginAsync("toppipe@example.com");

        // Replies that go through the session's buffer (TOP, STAT, LIST) and RETR's direct writes,
        // all in one batch: each must come out whole and in order.
        await wire.SendRawAsync("TOP 1 0\r\nRETR 2\r\nTOP 1 2\r\nSTAT\r\nRETR 1\r\nTOP 1 99\r\nLIST 2\r\n");
        Assert.StartsWith("+OK", await wire.ReadLineAsync());
        Assert.Equal("Subject: t\r\n..X-Dot: header\r\n\r\n.\r\n", await wire.ReadMultilineRawAsync());
        Assert.StartsWith("+OK", await wire.ReadLineAsync());
        Assert.EndsWith("\r\n\r\n..only line\r\n.\r\n", await wire.ReadMultilineRawAsync());
        Assert.StartsWith("+OK", await wire.ReadLineAsync());
        Assert.Equal("Subject: t\r\n..X-Dot: header\r\n\r\nb1\r\n..b2\r\n.\r\n", await wire.ReadMultilineRawAsync());
        Assert.StartsWith("+OK 2 ", await wire.ReadLineAsync());
        Assert.StartsWith("+OK", await wire.ReadLineAsync());
        const string whole = "Subject: t\r\n..X-Dot: header\r\n\r\nb1\r\n..b2\r\nb3\r\n.\r\n";
        Assert.Equal(whole, await wire.ReadMultilineRawAsync());
        Assert.StartsWith("+OK", await wire.ReadLineAsync());
        Assert.Equal(whole, await wire.ReadMultilineRawAsync());
        Assert.StartsWith("+OK 2 ", await wire.ReadLineAsync());
    }

    [Fact]
    public async Task IdleTimeout_EachCommandRestartsIt_AndSilenceEndsTheSession()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:Pop3Limits:IdleTimeout"] = "00:00:01" });
        var account = await engine.CreateMailboxAsync("idle@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("idle"));
        await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        await wire.LoginAsync("idle@example.com");
        // Busy for three times the timeout, a command every 0.4 s: the timer must restart each time.
        for (var i = 0; i < 8; i++)
        {
            await Task.Delay(400);
            Assert.StartsWith("+OK", await wire.CommandAsync("NOOP"));
        }
        Assert.StartsWith("+OK", await wire.CommandAsync("RETR 1"));
        await wire.ReadMultilineAsync();
        Assert.Equal("-ERR idle timeout, closing connection", await wire.ReadLineAsync());
        Assert.Equal("<closed>", await wire.ReadLineAsync());
        // The maildrop lock went with the session.
        await using var next = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        await next.LoginAsync("idle@example.com");
    }

    [Fact]
    public async Task Rfc2595_Stls_UpgradesTheSession_AndPlaintextLoginIsRefusedBeforeIt()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:AllowPlaintextAuth"] = "false" });
        await engine.CreateMailboxAsync("tls@example.com");

        await using (var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port))
        {
            Assert.StartsWith("+OK", await wire.CommandAsync("CAPA"));
            var capabilities = await wire.ReadMultilineAsync();
            Assert.Contains("STLS", capabilities);
            Assert.DoesNotContain("USER", capabilities);
            Assert.StartsWith("-ERR [AUTH]", await wire.CommandAsync("USER tls@example.com"));
            Assert.StartsWith("+OK", await wire.CommandAsync("STLS"));
            await wire.StartTlsAsync();
            Assert.StartsWith("+OK", await wire.CommandAsync("CAPA"));
            var after = await wire.ReadMultilineAsync();
            Assert.Contains("USER", after);
            Assert.Contains("SASL PLAIN", after);
            Assert.DoesNotContain("STLS", after);
            await wire.LoginAsync("tls@example.com");
        }

        using var client = await MailKitAsync(engine, "tls@example.com", SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Rfc2595_CommandsPipelinedAfterStls_AreDiscarded()
    {
        await using var engine = await EngineHost.StartAsync();
        await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        await wire.SendRawAsync("STLS\r\nCAPA\r\n");
        Assert.StartsWith("+OK", await wire.ReadLineAsync());
        await wire.StartTlsAsync();
        // If the injected CAPA had run, its reply would arrive before this NOOP's.
        Assert.StartsWith("-ERR", await wire.CommandAsync("NOOP"));
    }

    [Fact]
    public async Task Pop3s_ImplicitTls_ServesTheSameMaildrop()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:AllowPlaintextAuth"] = "false" });
        var account = await engine.CreateMailboxAsync("pop3s@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("secure"));
        using var client = await MailKitAsync(engine, "pop3s@example.com", SecureSocketOptions.SslOnConnect, implicitTls: true);
        Assert.True(client.IsSecure);
        Assert.Equal("secure", (await client.GetMessageAsync(0)).Subject);
        Assert.True(client.SslProtocol is System.Security.Authentication.SslProtocols.Tls12 or System.Security.Authentication.SslProtocols.Tls13);
    }

    [Fact]
    public async Task Tls_SelfSignedCertificateForTheHostname_IsGeneratedOnceAndReused()
    {
        string dataDirectory;
        string first;
        await using (var engine = await EngineHost.StartAsync())
        {
            first = await CertificateOfAsync(engine.Pop3sPort);
            dataDirectory = engine.DataDirectory;
            Assert.True(File.Exists(Path.Combine(dataDirectory, "tls", "mail-selfsigned.crt.pem")));
            // Keep the data for the restart below.
            System.IO.Directory.CreateDirectory(dataDirectory + "-copy");
            foreach (var file in System.IO.Directory.GetFiles(Path.Combine(dataDirectory, "tls")))
            {
                System.IO.Directory.CreateDirectory(Path.Combine(dataDirectory + "-copy", "tls"));
                File.Copy(file, Path.Combine(dataDirectory + "-copy", "tls", Path.GetFileName(file)));
            }
        }
        try
        {
            await using var again = await EngineHost.StartOnAsync(dataDirectory + "-copy");
            Assert.Equal(first, await CertificateOfAsync(again.Pop3sPort));
        }
        finally
        {
            System.IO.Directory.Delete(dataDirectory + "-copy", recursive: true);
        }
    }

    private static async Task<string> CertificateOfAsync(int port)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        string? subject = null;
        await using var ssl = new System.Net.Security.SslStream(client.GetStream(), false, (_, certificate, _, _) =>
        {
            subject = certificate!.Subject + " " + certificate.GetCertHashString();
            return true;
        });
        await ssl.AuthenticateAsClientAsync("mail.test");
        Assert.True(ssl.SslProtocol >= System.Security.Authentication.SslProtocols.Tls12);
        Assert.StartsWith("CN=mail.test ", subject);
        return subject!;
    }

    [Fact]
    public async Task Rfc5034_SaslPlain_WithInitialResponseAndWithContinuation()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("sasl@example.com");
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0sasl@example.com\0" + EngineHost.Password));

        await using (var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port))
        {
            Assert.StartsWith("+OK", await wire.CommandAsync("AUTH PLAIN " + token));
            Assert.StartsWith("+OK", await wire.CommandAsync("QUIT"));
        }
        await using (var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port))
        {
            Assert.Equal("+ ", await wire.CommandAsync("AUTH PLAIN"));
            Assert.StartsWith("-ERR", await wire.CommandAsync("*"));
            Assert.Equal("+ ", await wire.CommandAsync("AUTH PLAIN"));
            Assert.StartsWith("+OK", await wire.CommandAsync(token));
        }
        await using (var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port))
        {
            var wrong = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0sasl@example.com\0nope"));
            Assert.StartsWith("-ERR [AUTH]", await wire.CommandAsync("AUTH PLAIN " + wrong));
            Assert.StartsWith("-ERR", await wire.CommandAsync("AUTH CRAM-MD5"));
        }
    }

    [Fact]
    public async Task Login_IsRefusedWithAuthCode_ForSuspendedOrPop3DisabledMailboxes()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("nopop@example.com", pop3: false);
        await engine.CreateMailboxAsync("suspended@example.com", enabled: false);
        await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        await wire.SendAsync("USER nopop@example.com");
        await wire.ReadLineAsync();
        Assert.StartsWith("-ERR [AUTH]", await wire.CommandAsync("PASS " + EngineHost.Password));
        await wire.SendAsync("USER suspended@example.com");
        await wire.ReadLineAsync();
        Assert.StartsWith("-ERR [AUTH]", await wire.CommandAsync("PASS " + EngineHost.Password));
        await wire.SendAsync("USER nobody@example.com");
        await wire.ReadLineAsync();
        Assert.StartsWith("-ERR [AUTH]", await wire.CommandAsync("PASS " + EngineHost.Password));
    }

    [Fact]
    public async Task BadInput_EachMalformedCommandGetsErrAndTheSessionGoesOn()
    {
        // More bad commands than the default limit of 10 are sent here, on purpose.
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:Pop3Limits:MaxBadCommands"] = "50" });
        var account = await engine.CreateMailboxAsync("bad@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("survivor"));
        await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);

        Assert.StartsWith("-ERR", await wire.CommandAsync("STAT"));        // wrong state
        Assert.StartsWith("-ERR", await wire.CommandAsync("PASS early"));  // USER first
        await wire.LoginAsync("bad@example.com");
        foreach (var command in new[] { "FOO", "RETR", "RETR 0", "RETR 2", "RETR -1", "RETR abc", "TOP 1", "LIST 99999999999", "STAT now" })
            Assert.StartsWith("-ERR", await wire.CommandAsync(command));
        Assert.StartsWith("+OK 1 ", await wire.CommandAsync("STAT"));
    }

    [Fact]
    public async Task BadInput_OversizedLineIsRefused_AndTheNextCommandStillWorks()
    {
        await using var engine = await EngineHost.StartAsync();
        await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        Assert.Equal("-ERR line too long", await wire.CommandAsync("USER " + new string('a', 100_000)));
        Assert.StartsWith("+OK", await wire.CommandAsync("CAPA"));
        await wire.ReadMultilineAsync();
    }

    [Fact]
    public async Task BadInput_TooManyBadCommandsEndTheSession()
    {
        await using var engine = await EngineHost.StartAsync();
        await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        for (var i = 0; i < 9; i++)
            Assert.StartsWith("-ERR", await wire.CommandAsync("XYZZY"));
        Assert.StartsWith("-ERR", await wire.CommandAsync("XYZZY"));
        Assert.StartsWith("-ERR too many bad commands", await wire.ReadLineAsync());
        Assert.Equal("<closed>", await wire.ReadLineAsync());
    }

    [Fact]
    public async Task BadInput_BinaryGarbageDoesNotCrashTheServer()
    {
        await using var engine = await EngineHost.StartAsync();
        await using (var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port))
        {
            await wire.SendRawAsync("\0\xff\xfe\r\n\u0001\u0002garbage\n\r\n");
            Assert.StartsWith("-ERR", await wire.ReadLineAsync());
        }
        await using var again = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        Assert.StartsWith("+OK", again.Greeting);
    }

    [Fact]
    public async Task Rfc2449_PipelinedCommandsAreAnsweredInOrder()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("pipe@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("p"));
        await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
        await wire.SendRawAsync($"USER pipe@example.com\r\nPASS {EngineHost.Password}\r\nSTAT\r\nUIDL 1\r\nNOOP\r\nQUIT\r\n");
        Assert.StartsWith("+OK", await wire.ReadLineAsync());
        Assert.StartsWith("+OK Logged in", await wire.ReadLineAsync());
        Assert.StartsWith("+OK 1 ", await wire.ReadLineAsync());
        Assert.StartsWith("+OK 1 ", await wire.ReadLineAsync());
        Assert.Equal("+OK", await wire.ReadLineAsync());
        Assert.Equal("+OK Bye", await wire.ReadLineAsync());
    }

    [Fact]
    public async Task Retention_MessagesRetrievedLongerAgoThanTheRetentionAreRemoved_OthersStay()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("keep@example.com", retentionDays: 3);
        await engine.DeliverAsync(account, EngineHost.Message("read long ago"));
        await engine.DeliverAsync(account, EngineHost.Message("never read"));
        await using (var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port))
        {
            await wire.LoginAsync("keep@example.com");
            Assert.StartsWith("+OK", await wire.CommandAsync("RETR 1"));
            await wire.ReadMultilineAsync();
            Assert.StartsWith("+OK", await wire.CommandAsync("QUIT"));
        }
        var inbox = await engine.InboxAsync(account);
        var first = (await engine.Store.ListMessagesAsync(inbox.Id))[0];
        Assert.NotNull(first.Pop3RetrievedAt);

        // Pretend the retrieval happened four days ago.
        var db = (EngineDatabase)engine.Services.GetService(typeof(EngineDatabase))!;
        await db.WriteAsync((c, tx) => c.ExecAsync(tx, "UPDATE messages SET pop3_retrieved_at = @t WHERE id = @id",
            ("@t", DateTimeOffset.UtcNow.AddDays(-4).ToUnixTimeMilliseconds()), ("@id", first.Id)));

        using var client = await MailKitAsync(engine, "keep@example.com");
        Assert.Equal(1, client.Count);
        Assert.Equal("never read", (await client.GetMessageAsync(0)).Subject);
    }

    [Fact]
    public async Task MessageDeletedOverPop3_DisappearsFromImapsInbox_AndImapSessionsAreTold()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("both@example.com");
        var uid = (await engine.DeliverAsync(account, EngineHost.Message("shared"))).Uid;
        var changes = new List<MailboxChange>();
        using var subscription = engine.Store.Changes.Subscribe(account.Id, c => { lock (changes) changes.Add(c); });

        using (var client = await MailKitAsync(engine, "both@example.com"))
        {
            await client.DeleteMessageAsync(0);
            await client.DisconnectAsync(true);
        }

        Assert.Empty(await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id));
        var expunge = Assert.Single(changes);
        Assert.Equal(MailboxChangeKind.MessagesExpunged, expunge.Kind);
        Assert.Equal([uid], expunge.Uids);
    }

    private static async Task WaitUnlockedAsync(EngineHost engine, long mailboxId)
    {
        var locks = (Sessions.Pop3.Pop3MaildropLocks)engine.Services.GetService(typeof(Sessions.Pop3.Pop3MaildropLocks))!;
        for (var i = 0; i < 100 && locks.IsLocked(mailboxId); i++)
            await Task.Delay(20);
    }
}
