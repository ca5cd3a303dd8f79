using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using HostingPanel.MailEngine.Transfer;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.AspNetCore.DataProtection;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using static HostingPanel.Web.Tests.Transfer.TransferWorld;

namespace HostingPanel.Web.Tests.Transfer;

/// <summary>
/// Issue 22 in the portal: a CSV file of many IMAP migrations from a real Dovecot (started by the test on loopback) is
/// checked line by line without starting anything, then confirmed; the batch page shows a bar per mailbox and one for
/// all, and its buttons pause and resume. The checked file travels back encrypted: the old passwords never appear in
/// a page, and a changed file is refused.
/// </summary>
public sealed partial class MigrationImportPageTests(MailHostFixture host) : IClassFixture<MailHostFixture>
{
    private const string SourcePassword = "old-host-password";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CsvUpload_DryRunStartsNothing_ConfirmStartsEveryGoodLine_AndTheBatchPageShowsEachAndAll()
    {
        await using var dovecot = await PrivateDovecot.StartAsync([("ann@oldhost.example", SourcePassword), ("bob@oldhost.example", SourcePassword)]);
        await FillAsync(dovecot, "ann@oldhost.example", 7);
        await FillAsync(dovecot, "bob@oldhost.example", 4);
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var ann = await NewMailboxAsync(api, domain, "ann");
        var bob = await NewMailboxAsync(api, domain, "bob");
        var csv = $"""
            address,host,port,security,username,password
            {ann},127.0.0.1,{dovecot.Port},None,ann@oldhost.example,{SourcePassword}
            {bob},127.0.0.1,{dovecot.Port},None,bob@oldhost.example,{SourcePassword}
            nobody@{domain},127.0.0.1,{dovecot.Port},None,x@oldhost.example,{SourcePassword}
            {ann},127.0.0.1,not-a-port,None,ann@oldhost.example,{SourcePassword}
            """;
        using var admin = await Portal.PortalSession.AdminAsync(host);
        var jobs = host.App.Services.GetRequiredService<IMigrationJobs>();

        // The dry run: two lines would start, two are refused with their reason; nothing is queued.
        var preview = await UploadAsync(admin, csv);
        Assert.Contains("id=\"result-title\">What the import would do", preview);
        Assert.Equal(["queue", "queue", "refuse", "refuse"], Regex.Matches(preview, "data-action=\"([a-z]+)\"").Select(m => m.Groups[1].Value));
        Assert.Contains("port: The port must be between 1 and 65535.", preview);
        Assert.DoesNotContain(SourcePassword, preview);
        Assert.Empty(await jobs.PendingAsync(Ct));

        // A file changed on its way back is refused; nothing is queued.
        var apply = HiddenFile(preview);
        using (var tampered = await admin.PostFormAsync("/migrations/import", "/migrations/import/apply", new() { ["file"] = apply[..^4] + "AAAA" }))
            Assert.Contains("upload it again", await tampered.Content.ReadAsStringAsync(Ct));
        Assert.Empty(await jobs.PendingAsync(Ct));

        // Confirmed: the batch page, refreshing itself until both have ended, a bar for each and one for all.
        using var started = await admin.PostFormAsync("/migrations/import", "/migrations/import/apply", new() { ["file"] = apply });
        Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        var batch = started.Headers.Location!.OriginalString;
        Assert.Matches("^/migrations/batch\\?ids=[0-9a-f-]{36},[0-9a-f-]{36}$", batch);
        var sw = Stopwatch.StartNew();
        string html;
        while (!(html = await admin.GetStringAsync(batch)).Contains("data-ended=\"2\" data-total=\"2\""))
        {
            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(3), html);
            Assert.Contains("http-equiv=\"refresh\"", html);
            await Task.Delay(200, Ct);
        }
        Assert.Contains("id=\"batch-summary\">2 of 2 ended", html);
        Assert.Equal(2, Regex.Matches(html, "data-status=\"done\"").Count);
        Assert.Contains("7 messages", html);
        Assert.Contains("4 messages", html);
        Assert.Contains("11 messages", html);
        Assert.DoesNotContain("http-equiv=\"refresh\"", html);
        Assert.DoesNotContain(SourcePassword, html);

        // An ended job cannot be paused: the batch page says why.
        var id = Regex.Match(batch, "ids=([0-9a-f-]{36})").Groups[1].Value;
        using var pause = await admin.PostFormAsync(batch, $"/migrations/{id}/pause", new() { ["back"] = batch });
        Assert.Equal(HttpStatusCode.Redirect, pause.StatusCode);
        Assert.Equal(batch, pause.Headers.Location!.OriginalString);
        Assert.Contains("Only a queued or running migration can be paused", await admin.GetStringAsync(batch));
        // Somewhere else to go back to is not followed (no open redirect).
        using var elsewhere = await admin.PostFormAsync(batch, $"/migrations/{id}/pause", new() { ["back"] = "https://evil.example/" });
        Assert.Equal($"/migrations/{id}", elsewhere.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task PauseAndResumeButtons_OnTheJobsPage_StopAndRestartAQueuedJob()
    {
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var target = await NewMailboxAsync(api, domain, "paused");
        var jobs = host.App.Services.GetRequiredService<IMigrationJobs>();
        // An old host that accepts the connection and never greets: the job stays queued or running (up to the source
        // timeout) long enough to be paused by hand.
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var secret = host.App.Services.GetRequiredService<IDataProtectionProvider>()
            .CreateProtector(HostingPanel.Web.Features.Migrations.MigrationService.ProtectorPurpose).Protect("old-password");
        var job = await jobs.CreateAsync(target, "127.0.0.1", port, "None", "x", secret, allowPrivate: true, Ct);
        using var admin = await Portal.PortalSession.AdminAsync(host);
        using (var paused = await admin.PostFormAsync($"/migrations/{job.Id}", $"/migrations/{job.Id}/pause", new()))
            Assert.Equal(HttpStatusCode.Redirect, paused.StatusCode);
        var page = await admin.GetStringAsync($"/migrations/{job.Id}");
        Assert.Contains("data-status=\"paused\"", page);
        Assert.Contains("id=\"migration-resume\"", page);
        using (var resumed = await admin.PostFormAsync($"/migrations/{job.Id}", $"/migrations/{job.Id}/resume", new()))
            Assert.Equal(HttpStatusCode.Redirect, resumed.StatusCode);
        Assert.NotEqual("paused", (await jobs.GetAsync(job.Id, Ct))!.Status);
        // Paused again so that it does not wait on the unroutable host until the fixture stops.
        await jobs.PauseAsync(job.Id, Ct);
    }

    private static async Task FillAsync(PrivateDovecot dovecot, string user, int count)
    {
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", dovecot.Port, SecureSocketOptions.None, Ct);
        await imap.AuthenticateAsync(user, SourcePassword, Ct);
        for (var i = 0; i < count; i++)
            await imap.Inbox.AppendAsync(new AppendRequest(Message($"Message {i} of {user}", $"Body {i}."), MessageFlags.Seen), Ct);
        await imap.DisconnectAsync(true, Ct);
    }

    /// <summary>Uploads the file as the page's form does (multipart, with the page's antiforgery token).</summary>
    private static async Task<string> UploadAsync(Portal.PortalSession portal, string csv)
    {
        var page = await portal.GetStringAsync("/migrations/import");
        var token = WebUtility.HtmlDecode(TokenRegex().Match(page).Groups[1].Value);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(csv)), "file", "migrations.csv" },
        };
        using var response = await portal.Client.PostAsync("/migrations/import", form, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {response.Headers.Location} {html[..Math.Min(html.Length, 2000)]}");
        return html;
    }

    private static string HiddenFile(string page) =>
        WebUtility.HtmlDecode(Regex.Match(page, "name=\"file\" value=\"([^\"]+)\"").Groups[1].Value);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();
}
