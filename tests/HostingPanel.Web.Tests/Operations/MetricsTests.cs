using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using HostingPanel.Testing;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit.Net.Imap;
using MailKit.Security;

namespace HostingPanel.Web.Tests.Operations;

public sealed class MetricsHostFixture : MailHostFixture
{
    public const string Token = "metrics-token-for-tests-0123456789";

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() => base.ExtraSettings().Append(new("Metrics:Token", Token));
}

/// <summary>
/// Alone: the meters carry process-wide names, so another host delivering mail at the same time in this test
/// process would be counted too; the counts below are exact.
/// </summary>
[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;

[Collection(nameof(MetricsCollection))]
public sealed class MetricsTests(MetricsHostFixture host) : IClassFixture<MetricsHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AfterAScriptedLoad_MetricsCountConnectionsLoginsDeliveriesAndRefusals_AndPassPromtool()
    {
        const string domain = "metrics.example";
        await MailWorld.CustomerWithDomainAsync(host, domain, Ct);
        await MailWorld.MailboxAsync(host, domain, "box", ct: Ct);

        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("someone@origin.example", $"box@{domain}", "one"), Ct));
        Assert.NotNull(await MailWorld.SendMxAsync(host, MailWorld.Message("someone@origin.example", $"nobody@{domain}", "two"), Ct));
        Assert.NotNull(await MailWorld.SendMxAsync(host, MailWorld.Message("someone@origin.example", "far@elsewhere.example", "three"), Ct));
        await ImapLoginAsync($"box@{domain}", MailWorld.Password, expectSuccess: true);
        await ImapLoginAsync($"box@{domain}", "wrong-password", expectSuccess: false);

        using var client = host.CreateClient();
        // ASP.NET Core records a request's duration after its response is sent, so a scrape that follows the first
        // request closely may not hold it yet: scrape again (briefly) until the HTTP histogram has a sample.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live", Ct)).StatusCode);
        var text = "";
        for (var attempt = 0; attempt < 50 && !text.Contains("http_server_request_duration_seconds_bucket{", StringComparison.Ordinal); attempt++)
        {
            if (attempt > 0) await Task.Delay(100, Ct);
            var response = await client.GetAsync("/metrics", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync(Ct);
        }

        Assert.Equal(3, Value(text, "hostingpanel_mail_connections_total", ("listener", "smtp")));
        Assert.Equal(2, Value(text, "hostingpanel_mail_connections_total", ("listener", "imap")));
        Assert.Equal(1, Value(text, "hostingpanel_mail_logins_total", ("protocol", "imap"), ("result", "success")));
        Assert.Equal(1, Value(text, "hostingpanel_mail_logins_total", ("protocol", "imap"), ("result", "failure")));
        Assert.Equal(1, Value(text, "hostingpanel_mail_auth_failures_total", ("protocol", "imap"), ("reason", "invalid_credentials")));
        Assert.Equal(1, Value(text, "hostingpanel_mail_deliveries_total", ("outcome", "accepted")));
        Assert.Equal(1, Value(text, "hostingpanel_mail_deliveries_total", ("outcome", "delivered")));
        Assert.Equal(2, Value(text, "hostingpanel_mail_deliveries_total", ("outcome", "refused")));
        Assert.Equal(1, Value(text, "hostingpanel_mail_refusals_total", ("reason", "unknown_recipient")));
        Assert.Equal(1, Value(text, "hostingpanel_mail_refusals_total", ("reason", "relay_denied")));
        Assert.Equal(1, Value(text, "hostingpanel_mail_store_write_duration_seconds_count"));
        Assert.Equal(0, Value(text, "hostingpanel_mail_queue_depth"));
        Assert.Equal(0, Value(text, "hostingpanel_mail_queue_oldest_age_seconds"));
        Assert.NotNull(Value(text, "hostingpanel_mail_mailboxes_quota_full"));
        Assert.NotNull(Value(text, "hostingpanel_provisioning_lag_seconds"));
        // ASP.NET Core's and the runtime's instruments are there too.
        Assert.Contains("http_server_request_duration_seconds_bucket{", text);
        Assert.Contains("dotnet_gc_collections_total{", text);

        await PromtoolAcceptsAsync(text);
    }

    [Fact]
    public async Task Metrics_FromARelayedOrRemoteClient_NeedTheToken()
    {
        using var client = host.CreateClient();
        // A request relayed by a proxy that is not trusted: its loopback peer is not the client.
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, "not-the-token")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, MetricsHostFixture.Token + "x")).StatusCode);
        var ok = await GetAsync(client, MetricsHostFixture.Token);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("hostingpanel_mail_queue_depth", await ok.Content.ReadAsStringAsync(Ct));
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request, Ct);
    }

    private async Task ImapLoginAsync(string user, string password, bool expectSuccess)
    {
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", host.Port("imap"), SecureSocketOptions.None, Ct);
        // One attempt each: MailKit would otherwise try every SASL mechanism and then LOGIN.
        imap.AuthenticationMechanisms.Clear();
        if (expectSuccess)
            await imap.AuthenticateAsync(user, password, Ct);
        else
            await Assert.ThrowsAsync<AuthenticationException>(() => imap.AuthenticateAsync(user, password, Ct));
        await imap.DisconnectAsync(true, Ct);
    }

    /// <summary>The value of the sample of <paramref name="name"/> carrying these labels (others may be present); null when absent.</summary>
    internal static double? Value(string text, string name, params (string Label, string Value)[] labels)
    {
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(name + "{", StringComparison.Ordinal) && !line.StartsWith(name + " ", StringComparison.Ordinal))
                continue;
            if (labels.All(l => line.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..].Trim(), CultureInfo.InvariantCulture);
        }
        return null;
    }

    /// <summary>Debian's promtool (package prometheus) lints the exposition: names, types, help, suffixes.</summary>
    internal static async Task PromtoolAcceptsAsync(string text)
    {
        var promtool = TestEnvironment.RequireTool("promtool", "prometheus");
        using var process = Process.Start(new ProcessStartInfo(promtool, "check metrics")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync(Ct) + await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, "promtool check metrics: " + output);
    }
}
