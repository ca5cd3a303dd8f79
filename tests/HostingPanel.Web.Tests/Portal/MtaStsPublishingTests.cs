using System.Net;
using HostingPanel.Web.Features.Domains;
using HostingPanel.Web.Hosting;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>A panel whose operator turned MTA-STS on in mode enforce (<c>Mail:MtaSts:Mode=Enforce</c>).</summary>
public sealed class MtaStsEnforceHostFixture : PanelHostFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
        [.. base.ExtraSettings(), new("Mail:MtaSts:Mode", "Enforce"), new("Mail:Hostname", "mx.panel.example")];
}

/// <summary>Issue 28.5: the product's own domains get an MTA-STS policy (RFC 8461) when the operator turns it on.</summary>
public sealed class MtaStsPublishingTests(MtaStsEnforceHostFixture host) : IClassFixture<MtaStsEnforceHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> GetPolicyAsync(string hostHeader)
    {
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/mta-sts.txt");
        request.Headers.Host = hostHeader;
        return await client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task Rfc8461_Policy_IsServedForHostedDomains_OnTheirMtaStsName_Only_AndTheDnsListShowsItsRecords()
    {
        using var admin = await PortalSession.AdminAsync(host);
        using (await PortalSetupSteps.CustomerWithDomainAsync(host, admin, "stson")) { }
        var response = await GetPolicyAsync("mta-sts.stson.example");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal("version: STSv1\r\nmode: enforce\r\nmx: mx.panel.example\r\nmax_age: 604800\r\n", text);
        // What the product's own outbound queue would make of it: a valid policy naming this MX.
        var parsed = MailEngine.Outbound.MtaSts.MtaStsPolicy.Parse(text, out var error);
        Assert.Null(error);
        Assert.True(parsed!.Matches("mx.panel.example"));

        // Not hosted, or not the mta-sts name: 404 (nobody learns which domains are hosted from another name).
        Assert.Equal(HttpStatusCode.NotFound, (await GetPolicyAsync("mta-sts.not-hosted.example")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetPolicyAsync("stson.example")).StatusCode);

        // The domain's DNS list (what the domain page and GET .../dns show) has both records, with the id of this policy.
        var records = DnsRecords.For("stson.example", null, Features.Shared.MailServers.From(host.App.Services.GetRequiredService<IConfiguration>()));
        var txt = Assert.Single(records, r => r.Name == "_mta-sts.stson.example.");
        Assert.Equal($"v=STSv1; id={MtaStsPolicy.Id("mx.panel.example", MtaStsPublishing.Enforce)}", txt.Value);
        Assert.Equal(MailEngine.Outbound.MtaSts.MtaStsTxtRecord.PolicyId(txt.Value), MtaStsPolicy.Id("mx.panel.example", MtaStsPublishing.Enforce));
        Assert.Contains("mode enforce", txt.Purpose);
        Assert.Equal("mx.panel.example.", Assert.Single(records, r => r.Name == "mta-sts.stson.example.").Value);
    }

    [Fact]
    public void AMistypedMode_StopsStartUp_WithOneLineSayingWhatToFix()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Mail:MtaSts:Mode", "enforcing")]).Build();
        var problem = Assert.Throws<StartupProblem>(() => MtaStsPolicy.Read(configuration));
        Assert.Equal("Mail:MtaSts:Mode is 'enforcing'; use Off, Testing or Enforce.", problem.Message);
        Assert.Throws<StartupProblem>(() => MtaStsPolicy.Read(new ConfigurationBuilder().AddInMemoryCollection([new("Mail:MtaSts:Mode", "2")]).Build()));
    }
}
