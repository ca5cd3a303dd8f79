using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using HostingPanel.Web.Tests.Api;
using HostingPanel.Web.Tests.Portal;
using HostingPanel.Web.Tests.Webmail;
using MailKit.Net.Imap;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// Issue 16 item 4: a mailbox's new password, set by anyone who may set it (staff or a customer through the API or the
/// portal, the owner itself), ends what the old one opened: IMAP sessions (a MailKit client as webmail's pool holds
/// them, and a raw one in IDLE), POP3 sessions, the owner's portal sessions and webmail. The owner's own change asks
/// for the current password and keeps the browser it was made in.
/// </summary>
public sealed class PasswordChangeEndsSessionsTests(WebmailHostFixture host) : IClassFixture<WebmailHostFixture>
{
    private const string NewPassword = "brand-new-password-2";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Changers => ["admin-api", "customer-api", "customer-portal", "owner-portal"];

    [Theory, MemberData(nameof(Changers))]
    public async Task NewMailboxPassword_EndsImapPop3PortalAndWebmailSessions_OfTheOldOne(string changer)
    {
        var domain = $"pw-{changer}-{Guid.NewGuid():N}"[..24] + ".example";
        await host.CreateDomainAsync(domain, ["victim"]);
        var address = $"victim@{domain}";

        using var pooled = await host.ImapAsync(address);
        await pooled.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly, Ct);
        using var idling = await RawAsync(host.Port("imap"));
        await idling.ExpectAsync("* OK");
        await idling.SendAsync($"a LOGIN {address} {WebmailHostFixture.Password}");
        await idling.ExpectAsync("a OK");
        await idling.SendAsync("b SELECT INBOX");
        await idling.ExpectAsync("b OK");
        await idling.SendAsync("c IDLE");
        await idling.ExpectAsync("+");
        using var pop = await RawAsync(host.Port("pop3"));
        await pop.ExpectAsync("+OK");
        await pop.SendAsync($"USER {address}");
        await pop.ExpectAsync("+OK");
        await pop.SendAsync($"PASS {WebmailHostFixture.Password}");
        await pop.ExpectAsync("+OK");
        using var portal = await PortalSession.SignInAsync(host, address, WebmailHostFixture.Password);
        Assert.Equal(HttpStatusCode.OK, await portal.StatusOfAsync("/my"));
        using var webmail = await WebmailHttp.SignInAsync(host, address);
        Assert.Equal(HttpStatusCode.OK, await webmail.Session.StatusOfAsync("/webmail"));

        PortalSession? changerSession = null;
        switch (changer)
        {
            case "admin-api":
                await PatchAsync(host.CreateAdminApiClient(), domain);
                break;
            case "customer-api":
                using (var admin = host.CreateAdminApiClient())
                    await PatchAsync(host.CreateClient(await ApiHostFixture.KeyForAsync(admin, $"owner@{domain}")), domain);
                break;
            case "customer-portal":
                using (var customer = await PortalSession.SignInAsync(host, $"owner@{domain}", "customer-password-1"))
                {
                    var page = $"/domains/{domain}/mailboxes/victim/password";
                    var response = await customer.PostFormAsync(page, page, new() { ["Password"] = NewPassword });
                    Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
                }
                break;
            case "owner-portal":
                changerSession = await PortalSession.SignInAsync(host, address, WebmailHostFixture.Password);
                var wrong = await changerSession.PostFormAsync("/my/password", "/my/password", new() { ["CurrentPassword"] = "not-the-password", ["Password"] = NewPassword });
                Assert.Contains("The current password is not right.", await wrong.Content.ReadAsStringAsync(Ct));
                var right = await changerSession.PostFormAsync("/my/password", "/my/password", new() { ["CurrentPassword"] = WebmailHostFixture.Password, ["Password"] = NewPassword });
                Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
                break;
        }

        // The portal and webmail sessions end at once (the change and the new security stamp commit together).
        Assert.Equal(HttpStatusCode.Redirect, await portal.StatusOfAsync("/my"));
        Assert.Equal(HttpStatusCode.Redirect, await webmail.Session.StatusOfAsync("/webmail"));
        // The mail sessions end when the worker has given the engine the new password.
        Assert.Contains("* BYE Credentials changed; log in again.", await idling.ReadToCloseAsync());
        Assert.Contains("-ERR [AUTH] Credentials changed; log in again", await pop.ReadToCloseAsync());
        Assert.True(await EndsWithinAsync(pooled), "the pooled IMAP session still answers with the old login");
        // The old password opens nothing new; the new one does.
        using var again = new ImapClient();
        await again.ConnectAsync("127.0.0.1", host.Port("imap"), MailKit.Security.SecureSocketOptions.None, Ct);
        await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(() => again.AuthenticateAsync(address, WebmailHostFixture.Password, Ct));
        await again.AuthenticateAsync(address, NewPassword, Ct);
        if (changerSession is not null)
        {
            // The browser the owner changed it in stays signed in.
            Assert.Equal(HttpStatusCode.OK, await changerSession.StatusOfAsync("/my"));
            changerSession.Dispose();
        }
    }

    /// <summary>
    /// Every watcher hears the change in the same publication, but each connection closes on its own thread; a NOOP sent
    /// in between is refused, not answered, so the client sees the session end at its next command or soon after.
    /// </summary>
    private static async Task<bool> EndsWithinAsync(ImapClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await client.NoOpAsync(Ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return true;
            }

            await Task.Delay(100, Ct);
        }

        return false;
    }

    private static async Task PatchAsync(HttpClient client, string domain)
    {
        using (client)
        {
            using var response = await client.PatchAsJsonAsync($"/api/v1/domains/{domain}/mailboxes/victim", new { password = NewPassword }, Ct);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        }
    }

    private static async Task<LineClient> RawAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, Ct);
        return new LineClient(tcp);
    }

    /// <summary>A line protocol over a real socket, as an IMAP or POP3 client sends it.</summary>
    private sealed class LineClient(TcpClient tcp) : IDisposable
    {
        private readonly StreamReader _reader = new(tcp.GetStream(), Encoding.ASCII);

        public async Task SendAsync(string line)
        {
            await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), Ct);
        }

        /// <summary>Reads lines until one starts with <paramref name="prefix"/>.</summary>
        public async Task ExpectAsync(string prefix)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            while (await _reader.ReadLineAsync(timeout.Token) is { } line)
                if (line.StartsWith(prefix, StringComparison.Ordinal)) return;
            Assert.Fail($"closed before a line starting with {prefix}");
        }

        /// <summary>Everything until the server closes; a generous deadline, as the worker applies the change first.</summary>
        public async Task<List<string>> ReadToCloseAsync()
        {
            var lines = new List<string>();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            try
            {
                while (await _reader.ReadLineAsync(timeout.Token) is { } line) lines.Add(line);
            }
            catch (IOException) { }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                Assert.Fail("the server did not end the session; it sent: " + string.Join(" | ", lines));
            }
            return lines;
        }

        public void Dispose() => tcp.Dispose();
    }
}
