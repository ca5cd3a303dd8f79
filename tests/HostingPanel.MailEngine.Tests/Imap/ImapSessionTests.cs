using System.Text;
using HostingPanel.MailEngine.Protocol.Imap;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Imap;

public sealed class ImapSessionTests
{
    private const string Sample = "From: Fred <fred@example.com>\r\nTo: user@example.com\r\nSubject: Lunch plans\r\nMessage-ID: <1@example.com>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nShall we meet at noon?\r\n";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rfc9208_GetQuotaRoot_Transcript()
    {
        await using var server = new ImapTestServer();
        server.Account.Deliver("INBOX", Sample);
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var lines = await client.CommandAsync("A142", "GETQUOTAROOT INBOX");
        Assert.Equal("* QUOTAROOT INBOX \"\"", lines[0]);
        Assert.Equal("* QUOTA \"\" (STORAGE 1 10240)", lines[1]);
        Assert.StartsWith("A142 OK", lines[2]);
    }

    [Fact]
    public async Task CommandInWrongState_IsBad()
    {
        await using var server = new ImapTestServer();
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        var lines = await client.CommandAsync("a1", "SELECT INBOX");
        Assert.StartsWith("a1 BAD", Assert.Single(lines));
        lines = await client.CommandAsync("a2", "FETCH 1 FLAGS");
        Assert.StartsWith("a2 BAD", Assert.Single(lines));
    }

    [Fact]
    public async Task LoginWithoutTls_IsRefusedUnlessAllowed()
    {
        await using var server = new ImapTestServer(new Sessions.Imap.ImapSessionOptions { AllowPlaintextAuth = false });
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        var capability = await client.CommandAsync("c", "CAPABILITY");
        Assert.Contains("LOGINDISABLED", capability[0]);
        var lines = await client.CommandAsync("a", "LOGIN user@example.com secret");
        Assert.StartsWith("a NO [PRIVACYREQUIRED]", lines[^1]);
    }

    [Fact]
    public async Task WrongPassword_IsAuthenticationFailed()
    {
        await using var server = new ImapTestServer();
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        var lines = await client.CommandAsync("a", "LOGIN user@example.com wrong");
        Assert.StartsWith("a NO [AUTHENTICATIONFAILED]", lines[^1]);
    }

    [Fact]
    public async Task OversizeNonSynchronizingLiteral_EndsTheSession_AndIsNotExecuted()
    {
        await using var server = new ImapTestServer(new Sessions.Imap.ImapSessionOptions { AllowPlaintextAuth = true, Limits = new ImapLimits { MaxLiteralSize = 20 } });
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var evil = "a9 DELETE Archive\r\na8 LOGOUT\r\n";
        await client.SendAsync("a1 APPEND INBOX {" + evil.Length + "+}\r\n" + evil + "\r\n");
        var lines = await client.ReadUntilTaggedAsync("a1");
        // Larger than the literal limit: BAD [TOOBIG] and the connection ends (RFC 7888 section 4).
        Assert.StartsWith("a1 BAD [TOOBIG]", lines[^1]);
        await using var fresh = await ImapRawClient.ConnectAsync(server.Port);
        await fresh.LoginAsync();
        var list = await fresh.CommandAsync("a2", "LIST \"\" Archive");
        Assert.Contains(list, l => l.Contains("Archive", StringComparison.Ordinal) && l.StartsWith("* LIST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OversizeSynchronizingLiteral_IsRefusedWithoutContinuation()
    {
        await using var server = new ImapTestServer(new Sessions.Imap.ImapSessionOptions { AllowPlaintextAuth = true, Limits = new ImapLimits { MaxLiteralSize = 20 } });
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        var lines = await client.CommandAsync("a1", "APPEND INBOX {1000}");
        Assert.StartsWith("a1 NO [TOOBIG]", Assert.Single(lines));
    }

    [Fact]
    public async Task InvalidFolderNames_AreRefused()
    {
        await using var server = new ImapTestServer();
        await using var client = await ImapRawClient.ConnectAsync(server.Port);
        await client.LoginAsync();
        Assert.StartsWith("a NO", (await client.CommandAsync("a", "CREATE \"a/../b\""))[^1]);
        Assert.StartsWith("b NO", (await client.CommandAsync("b", "CREATE \"&AGE-\""))[^1]);
        Assert.StartsWith("c BAD", (await client.CommandAsync("c", "CREATE \"a\u00e9\""))[^1]);
        Assert.StartsWith("d OK", (await client.CommandAsync("d", "CREATE \"Entw&APw-rfe\""))[^1]);
        Assert.Contains((await client.CommandAsync("e", "LIST \"\" *")), l => l.EndsWith("Entw&APw-rfe", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MailKit_EndToEnd_AppendFetchSearchStoreMoveExpunge()
    {
        await using var server = new ImapTestServer();
        server.Account.Deliver("INBOX", Sample);
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None, Ct);
        await client.AuthenticateAsync("user@example.com", "secret", Ct);
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Move));
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Quota));

        var sent = client.GetFolder(SpecialFolder.Sent)!;
        Assert.Equal("Sent", sent.Name);

        var inbox = client.Inbox!;
        await inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
        Assert.Equal(1, inbox.Count);

        var appended = await inbox.AppendAsync(new AppendRequest(MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(
            "From: Ann <ann@example.com>\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nhello caf\u00e9 world\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n")), Ct), MessageFlags.Seen), Ct);
        Assert.NotNull(appended);
        await inbox.CheckAsync(Ct);
        Assert.Equal(2, inbox.Count);

        var summaries = await inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure | MessageSummaryItems.Flags | MessageSummaryItems.UniqueId | MessageSummaryItems.Size, Ct);
        Assert.Equal("Lunch plans", summaries[0].Envelope!.Subject);
        Assert.Equal("fred@example.com", summaries[0].Envelope!.From.Mailboxes.Single().Address);
        Assert.Equal("Caf\u00e9", summaries[1].Envelope!.Subject);
        Assert.Equal(2, ((BodyPartMultipart)summaries[1].Body!).BodyParts.Count);
        Assert.True(summaries[1].Flags!.Value.HasFlag(MessageFlags.Seen));

        var message = await inbox.GetMessageAsync(summaries[0].UniqueId, Ct);
        Assert.Contains("noon", message.TextBody, StringComparison.Ordinal);
        var part = (MimePart)await inbox.GetBodyPartAsync(summaries[1].UniqueId, ((BodyPartMultipart)summaries[1].Body!).BodyParts[1], Ct);
        Assert.NotNull(part);

        Assert.Equal([summaries[0].UniqueId], await inbox.SearchAsync(SearchQuery.SubjectContains("lunch"), Ct));
        Assert.Equal([summaries[1].UniqueId], await inbox.SearchAsync(SearchQuery.BodyContains("CAF\u00c9"), Ct));
        Assert.Equal([summaries[0].UniqueId], await inbox.SearchAsync(SearchQuery.NotSeen, Ct));

        await inbox.AddFlagsAsync(summaries[0].UniqueId, MessageFlags.Flagged, true, Ct);
        Assert.Equal([summaries[0].UniqueId], await inbox.SearchAsync(SearchQuery.Flagged, Ct));

        var sorted = await inbox.SortAsync(SearchQuery.All, [OrderBy.Subject], Ct);
        Assert.Equal([summaries[1].UniqueId, summaries[0].UniqueId], sorted);

        var archive = client.GetFolder(SpecialFolder.Archive)!;
        var moved = await inbox.MoveToAsync(summaries[1].UniqueId, archive, Ct);
        Assert.NotNull(moved);
        Assert.Equal(1, inbox.Count);

        await inbox.AddFlagsAsync(0, MessageFlags.Deleted, true, Ct);
        await inbox.ExpungeAsync(Ct);
        Assert.Equal(0, inbox.Count);

        var quota = await client.Inbox!.GetQuotaAsync(Ct);
        Assert.Equal(10240u, quota.StorageLimit);

        await client.DisconnectAsync(true, Ct);
    }

    [Fact]
    public async Task MailKit_Idle_SeesNewMail()
    {
        await using var server = new ImapTestServer();
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None, Ct);
        await client.AuthenticateAsync("user@example.com", "secret", Ct);
        var inbox = client.Inbox!;
        await inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        var arrived = new TaskCompletionSource();
        inbox.CountChanged += (_, _) => arrived.TrySetResult();
        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token, Ct);
        await Task.Delay(200, Ct);
        server.Account.Deliver("INBOX", Sample);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await done.CancelAsync();
        await idle;
        Assert.Equal(1, inbox.Count);
        await client.DisconnectAsync(true, Ct);
    }

    [Fact]
    public async Task MailKit_ImplicitTls_Listener()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var generated = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(
            generated.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx), null);
        var store = new InMemoryImapStore();
        store.AddUser("user@example.com", "secret");
        await using var listener = new MailEngine.Listeners.ImapListener(
            new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), new Sessions.Imap.ImapSessionOptions(), store, certificate, implicitTls: true);
        listener.Start();
        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", listener.LocalEndPoint.Port, SecureSocketOptions.SslOnConnect, Ct);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync("user@example.com", "secret", Ct);
        Assert.True(client.IsAuthenticated);
        await client.DisconnectAsync(true, Ct);
    }
}
