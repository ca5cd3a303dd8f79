using HostingPanel.Web.Webmail;
using MailKit;
using Microsoft.Extensions.Options;
using MimeKit;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>The new-mail watcher behind the page's event stream: IMAP IDLE on a pooled connection of the real engine.</summary>
public sealed class WebmailWatcherTests(WebmailHostFixture host) : IClassFixture<WebmailHostFixture>
{
    private const string Domain = "watch.example";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Idle_ReportsMailThatArrives_MailThatCameBefore_AndStaysQuietOtherwise()
    {
        await host.CreateDomainAsync(Domain, ["otto"]);
        var options = new WebmailOptions { IdleWindow = TimeSpan.FromSeconds(2) };
        await using var pool = new ImapConnectionPool(options, host.Endpoints.Imap, host.Endpoints.ValidateCertificate, TimeProvider.System);
        var watcher = new WebmailWatcher(pool, Options.Create(options));
        var otto = new WebmailCredentials("s", Guid.NewGuid(), $"otto@{Domain}", WebmailHostFixture.Password);

        // Quiet folder: the idle window ends with no change.
        var quiet = await watcher.WaitForChangeAsync(otto, "INBOX", known: 0, Ct);
        Assert.Equal((false, 0), quiet);

        // Mail appended by another client while IDLE runs is reported at once, not at the end of the window.
        var patient = new WebmailWatcher(pool, Options.Create(new WebmailOptions { IdleWindow = TimeSpan.FromSeconds(60) }));
        var waiting = patient.WaitForChangeAsync(otto, "INBOX", known: 0, Ct);
        using var other = await host.ImapAsync($"otto@{Domain}");
        await Task.Delay(300, Ct); // let IDLE begin; the result is the same if it has not (the count differs then)
        var started = DateTime.UtcNow;
        await other.Inbox.AppendAsync(new AppendRequest(new MimeMessage([MailboxAddress.Parse("x@elsewhere.example")], [MailboxAddress.Parse($"otto@{Domain}")], "New", new TextPart("plain") { Text = "hi" })), Ct);
        var arrived = await waiting;
        Assert.Equal((true, 1), arrived);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "new mail must end IDLE when it arrives");

        // The page knew 0 messages but the folder now has 1: reported without waiting for another change.
        var before = DateTime.UtcNow;
        Assert.Equal((true, 1), await watcher.WaitForChangeAsync(otto, "INBOX", known: 0, Ct));
        Assert.True(DateTime.UtcNow - before < options.IdleWindow, "a known difference must not wait for the idle window");
        Assert.Equal(1, pool.Opened);
    }
}
