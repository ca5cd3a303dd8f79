using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HostingPanel.MailEngine.Transfer;
using Microsoft.AspNetCore.DataProtection;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using static HostingPanel.Web.Tests.Transfer.TransferWorld;

namespace HostingPanel.Web.Tests.Transfer;

/// <summary>
/// POST /api/v1/migrations from a real Dovecot (started by the test on loopback) into the whole product, compared message by
/// message (Message-ID, size, flags, keywords, INTERNALDATE) over IMAP on both sides; a rerun copies nothing.
/// </summary>
public sealed class ImapMigrationTests(MailHostFixture host) : IClassFixture<MailHostFixture>
{
    private const string SourcePassword = "old-host-password";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Fills a Dovecot user: INBOX, "Sent Items" (\Sent), nested Projects/2024/Q1 and a non-ASCII folder.</summary>
    private static async Task<int> FillSourceAsync(PrivateDovecot dovecot, string user, int inbox, int sent, int nested, int unicode, int bodyLines = 5)
    {
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", dovecot.Port, SecureSocketOptions.None, Ct);
        await imap.AuthenticateAsync(user, SourcePassword, Ct);
        var root = imap.GetFolder(imap.PersonalNamespaces[0]);
        var projects = (await root.CreateAsync("Projects", false, Ct))!;
        var year = (await projects.CreateAsync("2024", false, Ct))!;
        var q1 = (await year.CreateAsync("Q1", true, Ct))!;
        var uni = (await root.CreateAsync("Ünïcode", true, Ct))!;
        var sentFolder = await imap.GetFolderAsync("Sent Items", Ct);
        var n = 0;
        async Task Fill(IMailFolder folder, int count)
        {
            var batch = new List<IAppendRequest>();
            for (var i = 0; i < count; i++, n++)
            {
                var body = string.Join("\n", Enumerable.Range(0, bodyLines).Select(l => $"Line {l} of message {n} in {folder.FullName}."));
                var m = Message($"Message {n}", body, messageId: n % 97 == 5 ? null : "auto");
                var flags = (n % 3) switch { 0 => MessageFlags.Seen, 1 => MessageFlags.Seen | MessageFlags.Flagged, _ => MessageFlags.None };
                if (n % 11 == 0) flags |= MessageFlags.Answered;
                var request = new AppendRequest(m, flags) { InternalDate = new DateTimeOffset(2019, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(n * 37) };
                if (n % 7 == 0) request.Keywords = new HashSet<string> { "$Work" };
                batch.Add(request);
                if (batch.Count == 100) { await folder.AppendAsync(batch, Ct); batch.Clear(); }
            }
            if (batch.Count > 0) await folder.AppendAsync(batch, Ct);
        }
        await Fill(imap.Inbox, inbox);
        await Fill(sentFolder, sent);
        await Fill(q1, nested);
        await Fill(uni, unicode);
        await imap.DisconnectAsync(true, Ct);
        return n;
    }

    private static async Task<List<Fingerprint>> SourceFingerprintsAsync(PrivateDovecot dovecot, string user)
    {
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", dovecot.Port, SecureSocketOptions.None, Ct);
        await imap.AuthenticateAsync(user, SourcePassword, Ct);
        // Their "Sent Items" is our Sent (special use \Sent).
        return await FingerprintsAsync(imap, name => name == "Sent Items" ? "Sent" : name);
    }

    private static async Task<JsonElement> StartAsync(HttpClient api, object body)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/migrations", body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        var job = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal("queued", job.GetProperty("status").GetString());
        Assert.Equal($"/api/v1/migrations/{job.GetProperty("id").GetString()}", response.Headers.Location!.OriginalString);
        return job;
    }

    private static async Task<JsonElement> WaitUntilEndedAsync(HttpClient api, string id)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var job = await api.GetFromJsonAsync<JsonElement>($"/api/v1/migrations/{id}", Ct);
            var status = job.GetProperty("status").GetString();
            if (status is "done" or "failed") return job;
            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(4), $"migration still {status} after {sw.Elapsed}: {job}");
            await Task.Delay(200, Ct);
        }
    }

    [Fact]
    public async Task Migration_FromDovecot_CopiesEveryFolderMessageFlagAndDate_AndARerunCopiesNothing()
    {
        await using var dovecot = await PrivateDovecot.StartAsync([("old@oldhost.example", SourcePassword)]);
        var total = await FillSourceAsync(dovecot, "old@oldhost.example", inbox: 300, sent: 100, nested: 150, unicode: 50);

        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var address = await NewMailboxAsync(api, domain, "moved", quotaMb: 500);
        var request = new { address, host = "127.0.0.1", port = dovecot.Port, security = "None", username = "old@oldhost.example", password = SourcePassword };

        var job = await StartAsync(api, request);
        var id = job.GetProperty("id").GetString()!;
        // The password is stored encrypted while the job waits or runs.
        var stored = await host.App.Services.GetRequiredService<IMigrationJobs>().GetAsync(id, Ct);
        Assert.True(stored!.Secret is null || !stored.Secret.Contains(SourcePassword, StringComparison.Ordinal));

        var done = await WaitUntilEndedAsync(api, id);
        Assert.True(done.GetProperty("status").GetString() == "done", done.ToString());
        Assert.Equal(total, done.GetProperty("messages").GetInt32());
        Assert.True(done.GetProperty("bytes").GetInt64() > 0);
        Assert.True(done.GetProperty("folders").GetInt32() >= 4);
        // Progress per message: every message of the source counted, none left.
        Assert.Equal(total, done.GetProperty("totalMessages").GetInt32());
        Assert.Equal(0, done.GetProperty("remainingMessages").GetInt32());
        Assert.Equal(100, done.GetProperty("percent").GetInt32());
        Assert.Null((await host.App.Services.GetRequiredService<IMigrationJobs>().GetAsync(id, Ct))!.Secret);

        var expected = await SourceFingerprintsAsync(dovecot, "old@oldhost.example");
        using (var imap = await ImapAsync(host, address))
        {
            var actual = await FingerprintsAsync(imap);
            Assert.Equal(total, actual.Count);
            Assert.Equal(expected, actual);
            // Their Sent went into our special-use Sent, not a new "Sent Items".
            Assert.DoesNotContain(await imap.GetFoldersAsync(imap.PersonalNamespaces[0], cancellationToken: Ct), f => f.FullName == "Sent Items");
        }

        // Incremental: a rerun copies nothing; after one new message on the old host, it copies exactly that one.
        var again = await WaitUntilEndedAsync(api, (await StartAsync(api, request)).GetProperty("id").GetString()!);
        Assert.Equal("done", again.GetProperty("status").GetString());
        Assert.Equal(0, again.GetProperty("messages").GetInt32());
        Assert.Equal(total, again.GetProperty("skipped").GetInt32());
        using (var source = new ImapClient())
        {
            await source.ConnectAsync("127.0.0.1", dovecot.Port, SecureSocketOptions.None, Ct);
            await source.AuthenticateAsync("old@oldhost.example", SourcePassword, Ct);
            await source.Inbox.AppendAsync(new AppendRequest(Message("late arrival", "Came in before the MX switch."), MessageFlags.None), Ct);
        }
        var third = await WaitUntilEndedAsync(api, (await StartAsync(api, request)).GetProperty("id").GetString()!);
        Assert.Equal(1, third.GetProperty("messages").GetInt32());
        using (var imap = await ImapAsync(host, address))
            Assert.Equal(await SourceFingerprintsAsync(dovecot, "old@oldhost.example"), await FingerprintsAsync(imap));
    }

    [Fact]
    public async Task Migration_StopsCleanlyAtTheQuota()
    {
        await using var dovecot = await PrivateDovecot.StartAsync([("big@oldhost.example", SourcePassword)]);
        // About 40 KB a message, 60 messages: 2.4 MB into a 1 MB mailbox.
        await FillSourceAsync(dovecot, "big@oldhost.example", inbox: 60, sent: 0, nested: 0, unicode: 0, bodyLines: 800);
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var address = await NewMailboxAsync(api, domain, "small", quotaMb: 1);
        var job = await StartAsync(api, new { address, host = "127.0.0.1", port = dovecot.Port, security = "None", username = "big@oldhost.example", password = SourcePassword });
        var ended = await WaitUntilEndedAsync(api, job.GetProperty("id").GetString()!);
        Assert.Equal("failed", ended.GetProperty("status").GetString());
        Assert.Contains(ended.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("The mailbox is full: stopped after"));
        var copied = ended.GetProperty("messages").GetInt32();
        Assert.InRange(copied, 1, 59);
        using var imap = await ImapAsync(host, address);
        var quota = await imap.Inbox.GetQuotaAsync(Ct);
        Assert.True(quota.CurrentStorageSize <= quota.StorageLimit, $"{quota.CurrentStorageSize} of {quota.StorageLimit} KiB");
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(HttpClient api, string csv, bool dryRun, string type = "text/csv")
    {
        using var content = new StringContent(csv, System.Text.Encoding.UTF8, type);
        using var response = await api.PostAsync($"/api/v1/migrations/import?dryRun={(dryRun ? "true" : "false")}", content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static JsonElement Line(JsonElement result, int line) =>
        result.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("line").GetInt32() == line);

    [Fact]
    public async Task CsvOfManyMigrations_DryRunQueuesNothing_ThenEveryGoodLineIsCopied_AndEachBadLineSaysWhy()
    {
        await using var dovecot = await PrivateDovecot.StartAsync([("one@oldhost.example", SourcePassword), ("two@oldhost.example", SourcePassword)]);
        var ones = await FillSourceAsync(dovecot, "one@oldhost.example", inbox: 30, sent: 5, nested: 5, unicode: 0);
        var twos = await FillSourceAsync(dovecot, "two@oldhost.example", inbox: 20, sent: 0, nested: 0, unicode: 3);
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var first = await NewMailboxAsync(api, domain, "first");
        var second = await NewMailboxAsync(api, domain, "second");
        var p = dovecot.Port;
        var csv = $"""
            address,host,port,security,username,password
            {first},127.0.0.1,{p},None,one@oldhost.example,{SourcePassword}
            {second},127.0.0.1,{p},None,two@oldhost.example,"{SourcePassword}"
            {first.ToUpperInvariant()},127.0.0.1,{p},None,one@oldhost.example,{SourcePassword}
            nobody@{domain},127.0.0.1,{p},None,x,y
            {second},127.0.0.1,not-a-port,None,x,y
            {second},127.0.0.1,{p},Carrier pigeon,x,
            {second},127.0.0.1,{p},None,x,"unclosed
            """;

        var (dryStatus, dry) = await ImportAsync(api, csv, dryRun: true);
        Assert.True(dryStatus == HttpStatusCode.OK, dry.ToString());
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        Assert.Equal(2, dry.GetProperty("queue").GetInt32());
        Assert.Equal(5, dry.GetProperty("refuse").GetInt32());
        Assert.Equal("queue", Line(dry, 2).GetProperty("action").GetString());
        Assert.Equal(JsonValueKind.Null, Line(dry, 2).GetProperty("id").ValueKind);
        Assert.Equal("The mailbox is already the target of a line above.", Line(dry, 4).GetProperty("errors").GetProperty("address")[0].GetString());
        Assert.Equal("The mailbox was not found.", Line(dry, 5).GetProperty("errors").GetProperty("address")[0].GetString());
        Assert.Equal("The port must be between 1 and 65535.", Line(dry, 6).GetProperty("errors").GetProperty("port")[0].GetString());
        var sixth = Line(dry, 7).GetProperty("errors");
        Assert.Equal("The security must be None, StartTls or Tls.", sixth.GetProperty("security")[0].GetString());
        Assert.Equal("Enter the password on the old server.", sixth.GetProperty("password")[0].GetString());
        Assert.Equal("A quoted field is not closed on its line.", Line(dry, 8).GetProperty("errors").GetProperty("line")[0].GetString());

        var (status, applied) = await ImportAsync(api, csv, dryRun: false);
        Assert.True(status == HttpStatusCode.OK, applied.ToString());
        Assert.Equal(2, applied.GetProperty("queue").GetInt32());
        foreach (var (line, address, user, total) in new[] { (2, first, "one@oldhost.example", ones), (3, second, "two@oldhost.example", twos) })
        {
            Assert.Equal("queued", Line(applied, line).GetProperty("action").GetString());
            var done = await WaitUntilEndedAsync(api, Line(applied, line).GetProperty("id").GetString()!);
            Assert.True(done.GetProperty("status").GetString() == "done", done.ToString());
            // Everything copied by this run and nothing found already there: the dry run queued no job.
            Assert.Equal(total, done.GetProperty("messages").GetInt32());
            Assert.Equal(0, done.GetProperty("skipped").GetInt32());
            using var imap = await ImapAsync(host, address);
            Assert.Equal(await SourceFingerprintsAsync(dovecot, user), await FingerprintsAsync(imap));
        }

        // A customer's file: its own mailbox from a private address is refused as for one job; another tenant's mailbox does not exist.
        var key = await Api.ApiHostFixture.KeyForAsync(api, $"{domain.Split('.')[0]}@customers.example");
        using var customer = host.CreateClient(key);
        var stranger = await NewMailboxAsync(api, await NewDomainAsync(api), "stranger");
        var (customerStatus, refused) = await ImportAsync(customer,
            $"address,host,username,password\n{first},10.1.2.3,x,y\n{stranger},imap.example.net,x,y\n", dryRun: false);
        Assert.True(customerStatus == HttpStatusCode.OK, refused.ToString());
        Assert.Equal(0, refused.GetProperty("queue").GetInt32());
        Assert.Contains("loopback, private or link-local", Line(refused, 2).GetProperty("errors").GetProperty("host")[0].GetString());
        Assert.Equal("The mailbox was not found.", Line(refused, 3).GetProperty("errors").GetProperty("address")[0].GetString());

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await ImportAsync(api, csv, dryRun: true, type: "application/json")).Status);
        var (badHeader, problem) = await ImportAsync(api, "address,host,user,password\n", dryRun: true);
        Assert.Equal(HttpStatusCode.BadRequest, badHeader);
        Assert.StartsWith("Unknown column 'user'", problem.GetProperty("errors").GetProperty("file")[0].GetString());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient api, string path)
    {
        using var response = await api.PostAsync(path, null, Ct);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(Ct));
    }

    private static async Task<JsonElement> GetJobAsync(HttpClient api, string id) =>
        await api.GetFromJsonAsync<JsonElement>($"/api/v1/migrations/{id}", Ct);

    /// <summary>
    /// A job paused while it waits its turn never starts, and resumed it copies everything. Deterministic: a job to a
    /// server on the same host that accepts and never greets holds the host's turn (one job per source host at a time)
    /// until the test lets it fail.
    /// </summary>
    [Fact]
    public async Task Pause_AQueuedJob_NeverStarts_ResumeCopiesEverything_AndEndedJobsCannotBePausedOrResumed()
    {
        await using var dovecot = await PrivateDovecot.StartAsync([("wait@oldhost.example", SourcePassword)]);
        var total = await FillSourceAsync(dovecot, "wait@oldhost.example", inbox: 30, sent: 5, nested: 0, unicode: 0);
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var address = await NewMailboxAsync(api, domain, "waiting");

        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var blocker = await StartAsync(api, new { address, host = "127.0.0.1", port = ((IPEndPoint)silent.LocalEndpoint).Port, security = "None", username = "x", password = "y" });
        using var held = await silent.AcceptSocketAsync(Ct);
        var job = await StartAsync(api, new { address, host = "127.0.0.1", port = dovecot.Port, security = "None", username = "wait@oldhost.example", password = SourcePassword });
        var id = job.GetProperty("id").GetString()!;

        var (pauseStatus, paused) = await PostAsync(api, $"/api/v1/migrations/{id}/pause");
        Assert.True(pauseStatus == HttpStatusCode.OK, paused.ToString());
        Assert.Equal("paused", paused.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(api, $"/api/v1/migrations/{id}/pause")).Status);

        // The blocker gives up its turn; the paused job must not take it.
        held.Close();
        Assert.Equal("failed", (await WaitUntilEndedAsync(api, blocker.GetProperty("id").GetString()!)).GetProperty("status").GetString());
        var still = await GetJobAsync(api, id);
        Assert.Equal("paused", still.GetProperty("status").GetString());
        Assert.Equal(0, still.GetProperty("messages").GetInt32());
        // Its credentials wait with it (encrypted) so that it can be resumed.
        Assert.NotNull((await host.App.Services.GetRequiredService<IMigrationJobs>().GetAsync(id, Ct))!.Secret);

        var (resumeStatus, resumed) = await PostAsync(api, $"/api/v1/migrations/{id}/resume");
        Assert.True(resumeStatus == HttpStatusCode.OK, resumed.ToString());
        var done = await WaitUntilEndedAsync(api, id);
        Assert.Equal("done", done.GetProperty("status").GetString());
        Assert.Equal(total, done.GetProperty("messages").GetInt32());
        using (var imap = await ImapAsync(host, address))
            Assert.Equal(await SourceFingerprintsAsync(dovecot, "wait@oldhost.example"), await FingerprintsAsync(imap));

        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(api, $"/api/v1/migrations/{id}/pause")).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await PostAsync(api, $"/api/v1/migrations/{id}/resume")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(api, $"/api/v1/migrations/{Guid.NewGuid()}/pause")).Status);
        // Another tenant's job does not exist for a customer.
        var key = await Api.ApiHostFixture.KeyForAsync(api, $"{(await NewDomainAsync(api)).Split('.')[0]}@customers.example");
        using var customer = host.CreateClient(key);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(customer, $"/api/v1/migrations/{id}/resume")).Status);
    }

    /// <summary>A running job paused stops between two messages; resumed, it copies the rest and skips what it had copied.</summary>
    [Fact]
    public async Task Pause_ARunningJob_StopsMidway_ResumeSkipsWhatWasCopied_AndTheResultIsComplete()
    {
        await using var dovecot = await PrivateDovecot.StartAsync([("long@oldhost.example", SourcePassword)]);
        var total = await FillSourceAsync(dovecot, "long@oldhost.example", inbox: 1500, sent: 0, nested: 0, unicode: 0);
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var address = await NewMailboxAsync(api, domain, "long", quotaMb: 500);
        var id = (await StartAsync(api, new { address, host = "127.0.0.1", port = dovecot.Port, security = "None", username = "long@oldhost.example", password = SourcePassword }))
            .GetProperty("id").GetString()!;

        // The first progress report (every 25 messages) shows it running; 1,500 messages leave ample room to pause before the end.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await GetJobAsync(api, id)).GetProperty("messages").GetInt32() == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the migration never reported progress");
            await Task.Delay(20, Ct);
        }
        var (pauseStatus, paused) = await PostAsync(api, $"/api/v1/migrations/{id}/pause");
        Assert.True(pauseStatus == HttpStatusCode.OK, paused.ToString());
        // Wait for the worker to let go of the job (it stops at the next message), then it stays where it stopped.
        var worker = host.App.Services.GetRequiredService<HostingPanel.Web.Features.Migrations.MigrationWorker>();
        while (worker.IsRunning(id))
        {
            Assert.True(DateTime.UtcNow < deadline, "the paused migration never stopped");
            await Task.Delay(20, Ct);
        }
        var stopped = await GetJobAsync(api, id);
        Assert.Equal("paused", stopped.GetProperty("status").GetString());
        var copiedBeforePause = stopped.GetProperty("messages").GetInt32();
        Assert.InRange(copiedBeforePause, 1, total - 1);
        // The bar stands where the job stopped, message by message.
        Assert.Equal(total, stopped.GetProperty("totalMessages").GetInt32());
        Assert.Equal(total - copiedBeforePause, stopped.GetProperty("remainingMessages").GetInt32());
        Assert.Equal(copiedBeforePause * 100 / total, stopped.GetProperty("percent").GetInt32());
        using (var partial = await ImapAsync(host, address))
        {
            await partial.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
            Assert.Equal(copiedBeforePause, partial.Inbox.Count);
        }

        var (resumeStatus, _) = await PostAsync(api, $"/api/v1/migrations/{id}/resume");
        Assert.Equal(HttpStatusCode.OK, resumeStatus);
        var done = await WaitUntilEndedAsync(api, id);
        Assert.True(done.GetProperty("status").GetString() == "done", done.ToString());
        // Counted across both runs: everything copied once; the resumed run found the first part already here.
        Assert.Equal(total, done.GetProperty("messages").GetInt32());
        Assert.Equal(copiedBeforePause, done.GetProperty("skipped").GetInt32());
        Assert.Equal(total, done.GetProperty("totalMessages").GetInt32());
        Assert.Equal(0, done.GetProperty("remainingMessages").GetInt32());
        using var imap = await ImapAsync(host, address);
        Assert.Equal(await SourceFingerprintsAsync(dovecot, "long@oldhost.example"), await FingerprintsAsync(imap));
    }

    [Fact]
    public async Task Tenants_CannotPointAMigrationAtInternalAddresses_AndBadInputIsA400()
    {
        using var admin = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(admin);
        var address = await NewMailboxAsync(admin, domain, "ssrf");
        var key = await Api.ApiHostFixture.KeyForAsync(admin, $"{domain.Split('.')[0]}@customers.example");
        using var customer = host.CreateClient(key);
        foreach (var target in new[] { "127.0.0.1", "localhost", "10.1.2.3", "192.168.0.10", "172.16.5.5", "169.254.169.254", "::1", "100.64.0.1", "0.0.0.0" })
        {
            using var response = await customer.PostAsJsonAsync("/api/v1/migrations",
                new { address, host = target, port = host.Port("imap"), security = "None", username = address, password = Password }, Ct);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{target}: {(int)response.StatusCode} {problem}");
            Assert.Contains("loopback, private or link-local", problem.GetProperty("errors").GetProperty("host")[0].GetString());
        }

        using var bad = await customer.PostAsJsonAsync("/api/v1/migrations",
            new { address, host = "", port = 0, security = "Carrier pigeon", username = "", password = "" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("errors");
        foreach (var field in new[] { "host", "port", "security", "username", "password" }) Assert.True(errors.TryGetProperty(field, out _), $"no error on {field}: {errors}");

        // Another tenant's mailbox and job do not exist for this customer.
        var other = await NewMailboxAsync(admin, await NewDomainAsync(admin), "other");
        using var notMine = await customer.PostAsJsonAsync("/api/v1/migrations",
            new { address = other, host = "imap.example.net", port = 993, security = "Tls", username = "x", password = "y" }, Ct);
        Assert.Equal(HttpStatusCode.NotFound, notMine.StatusCode);
        var adminsJob = await StartAsync(admin, new { address = other, host = "127.0.0.1", port = 9, security = "None", username = "x", password = "y" });
        Assert.Equal(HttpStatusCode.NotFound, (await customer.GetAsync($"/api/v1/migrations/{adminsJob.GetProperty("id").GetString()}", Ct)).StatusCode);
        // The admin's job to a closed port fails with the reason.
        var failed = await WaitUntilEndedAsync(admin, adminsJob.GetProperty("id").GetString()!);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Contains("Could not connect to 127.0.0.1:9", failed.GetProperty("errors")[0].GetString());
    }

    [Fact]
    public async Task AJobLeftRunningByAStoppedProcess_IsResumed_CopyingOnlyWhatIsMissing()
    {
        await using var dovecot = await PrivateDovecot.StartAsync([("resume@oldhost.example", SourcePassword)]);
        var total = await FillSourceAsync(dovecot, "resume@oldhost.example", inbox: 40, sent: 10, nested: 10, unicode: 0);
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var address = await NewMailboxAsync(api, domain, "resumed");

        // A first run, then the state a crash mid-run leaves: the row says "running" with its encrypted password, and
        // part of the mail is here. Half the INBOX is removed here to stand for the part not copied yet.
        var request = new { address, host = "127.0.0.1", port = dovecot.Port, security = "None", username = "resume@oldhost.example", password = SourcePassword };
        var first = await StartAsync(api, request);
        var firstId = first.GetProperty("id").GetString()!;
        await WaitUntilEndedAsync(api, firstId);
        using (var imap = await ImapAsync(host, address))
        {
            await imap.Inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
            await imap.Inbox.AddFlagsAsync(Enumerable.Range(0, 20).ToList(), MessageFlags.Deleted, true, Ct);
            await imap.Inbox.ExpungeAsync(Ct);
        }
        var jobs = host.App.Services.GetRequiredService<IMigrationJobs>();
        var protector = host.App.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>()
            .CreateProtector(HostingPanel.Web.Features.Migrations.MigrationService.ProtectorPurpose);
        var crashed = await jobs.CreateAsync(address, "127.0.0.1", dovecot.Port, "None", "resume@oldhost.example", protector.Protect(SourcePassword), allowPrivate: true, Ct);
        await jobs.MarkRunningAsync(crashed.Id, Ct);

        // The worker picks running jobs up (as at a start) and finishes them.
        var resumed = await WaitUntilEndedAsync(api, crashed.Id);
        Assert.Equal("done", resumed.GetProperty("status").GetString());
        Assert.Equal(20, resumed.GetProperty("messages").GetInt32());
        Assert.Equal(total - 20, resumed.GetProperty("skipped").GetInt32());
        using (var imap = await ImapAsync(host, address))
            Assert.Equal(await SourceFingerprintsAsync(dovecot, "resume@oldhost.example"), await FingerprintsAsync(imap));
    }

    [Fact]
    public async Task PortalPage_StartsAMigration_AndShowsItsProgressAndReport()
    {
        await using var dovecot = await PrivateDovecot.StartAsync([("page@oldhost.example", SourcePassword)]);
        var total = await FillSourceAsync(dovecot, "page@oldhost.example", inbox: 12, sent: 3, nested: 4, unicode: 1);
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var address = await NewMailboxAsync(api, domain, "viaportal");

        using var admin = await Portal.PortalSession.AdminAsync(host);
        Assert.Contains($"/migrations?address={address}", await admin.GetStringAsync($"/domains/{domain}/mailboxes/viaportal"));
        using var started = await admin.PostFormAsync($"/migrations?address={address}", "/migrations", new()
        {
            ["Address"] = address, ["Host"] = "127.0.0.1", ["Port"] = dovecot.Port.ToString(), ["Security"] = "None",
            ["Username"] = "page@oldhost.example", ["Password"] = SourcePassword,
        });
        Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        var page = started.Headers.Location!.OriginalString;
        Assert.Matches("^/migrations/[0-9a-f-]{36}$", page);
        var sw = Stopwatch.StartNew();
        string html;
        while (!(html = await admin.GetStringAsync(page)).Contains("data-status=\"done\""))
        {
            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(2) && !html.Contains("data-status=\"failed\""), html);
            // While it runs, the page refreshes itself.
            if (html.Contains("data-status=\"running\"") || html.Contains("data-status=\"queued\"")) Assert.Contains("http-equiv=\"refresh\"", html);
            await Task.Delay(200, Ct);
        }
        Assert.Contains($"<dd class=\"col-6\" id=\"migration-messages\">{total}</dd>", html);
        Assert.DoesNotContain(SourcePassword, html);

        // A host the form cannot reach is said next to the field, the password is not sent back.
        using var refused = await admin.PostFormAsync("/migrations", "/migrations", new()
        {
            ["Address"] = address, ["Host"] = "no-such-host.invalid", ["Port"] = "993", ["Security"] = "Tls", ["Username"] = "x", ["Password"] = "secret-here",
        });
        var form = await refused.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("could not be resolved", form);
        Assert.DoesNotContain("secret-here", form);
    }
}
