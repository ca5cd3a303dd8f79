using System.Net;
using System.Text.Json.Nodes;
using HostingPanel.Web.Tests.Portal;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Domains;

/// <summary>
/// GET /api/v1/domains/{domain}/dns and the domain page: every record to publish, each checked live through the
/// configured resolver (a real dnsmasq on loopback) as ok, missing or different.
/// </summary>
public sealed class DomainDnsTests(DomainHostFixture host) : IClassFixture<DomainHostFixture>
{
    private static JsonObject Record(JsonArray records, string type, string namePrefix, string? valuePrefix = null) =>
        records.Select(r => r!.AsObject()).Single(r => r["type"]!.GetValue<string>() == type
            && r["name"]!.GetValue<string>().StartsWith(namePrefix, StringComparison.Ordinal)
            && (valuePrefix is null || r["value"]!.GetValue<string>().StartsWith(valuePrefix, StringComparison.Ordinal)));

    [Fact]
    public async Task DnsRecords_AreCheckedLive_OkMissingOrDifferent_InApiAndOnThePage()
    {
        host.RequireDns();
        var customer = await host.CustomerAsync("dns");
        using var api = host.CreateClient(customer.Key);
        var name = Unique("zone") + ".example";
        var created = await CreatedAsync(api, "/api/v1/domains", new { name });

        var before = (await GetAsync(api, $"/api/v1/domains/{name}/dns")).AsArray();
        Assert.All(before, r => Assert.Equal("missing", r!["status"]!.GetValue<string>()));
        foreach (var r in before)
            Assert.False(string.IsNullOrEmpty(r!["purpose"]!.GetValue<string>()));
        var spf = Record(before, "TXT", name + ".", "v=spf1");
        Assert.Equal("v=spf1 mx ~all", spf["value"]!.GetValue<string>());
        var dmarc = Record(before, "TXT", $"_dmarc.{name}.");
        Assert.Equal("v=DMARC1; p=none", dmarc["value"]!.GetValue<string>());
        Assert.Contains("p=quarantine", dmarc["purpose"]!.GetValue<string>());
        Assert.Equal("10 mail.test.", Record(before, "MX", name + ".")["value"]!.GetValue<string>());
        var verification = Record(before, "TXT", "_hostingpanel-verification.");
        Assert.Equal(created["verificationRecord"]!["value"]!.GetValue<string>(), verification["value"]!.GetValue<string>());

        // Publish some right, one wrong (SPF with -all, beside an unrelated TXT at the apex), leave DMARC out.
        host.Dns.SetMx(name, "mail.test");
        host.Dns.SetTxt(name, "v=spf1 a -all", "google-site-verification=unrelated");
        host.Dns.SetTxt(verification["name"]!.GetValue<string>(), verification["value"]!.GetValue<string>());
        await host.Dns.PublishAsync();

        var after = (await GetAsync(api, $"/api/v1/domains/{name}/dns")).AsArray();
        Assert.Equal("ok", Record(after, "MX", name + ".")["status"]!.GetValue<string>());
        Assert.Equal("ok", Record(after, "TXT", "_hostingpanel-verification.")["status"]!.GetValue<string>());
        var spfAfter = Record(after, "TXT", name + ".", "v=spf1");
        Assert.Equal("different", spfAfter["status"]!.GetValue<string>());
        Assert.Equal(["v=spf1 a -all"], spfAfter["found"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal("missing", Record(after, "TXT", $"_dmarc.{name}.")["status"]!.GetValue<string>());

        // The page shows the same after "Check what is published".
        using var portal = await PortalSession.SignInAsync(host, customer.Email, DomainHostFixture.Password);
        var page = WebUtility.HtmlDecode(await portal.GetStringAsync($"/domains/{name}?checkDns=true"));
        Assert.Contains($"data-dns-name=\"{name}.\" data-dns-type=\"MX\" data-dns-status=\"ok\"", page);
        Assert.Contains($"data-dns-name=\"_dmarc.{name}.\" data-dns-type=\"TXT\" data-dns-status=\"missing\"", page);
        Assert.Contains("\"v=spf1 mx ~all\"", page);
        Assert.Contains("published: v=spf1 a -all", page);

        // Out of scope: 404, like the domain itself.
        var other = await host.CustomerAsync("dns-other");
        await ProblemAsync(host.CreateClient(other.Key), HttpMethod.Get, $"/api/v1/domains/{name}/dns", null, HttpStatusCode.NotFound);
    }
}
