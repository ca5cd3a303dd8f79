using System.Net;
using System.Text;
using System.Xml.Linq;
using Microsoft.Extensions.Configuration;
using HostingPanel.Web.Features.Autoconfig;
using HostingPanel.Web.Features.Domains;
using HostingPanel.Web.Features.Shared;
using HostingPanel.Web.Tests.Infrastructure;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>Thunderbird autoconfig, Outlook Autodiscover and the DNS records a hosted domain should publish.</summary>
public sealed class MailClientConfigTests(PanelHostFixture host) : IClassFixture<PanelHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly XNamespace Outlook = MailClientConfig.OutlookResponse;

    private static readonly MailServers Servers = new("mail.host.example", 143, 993, 110, 995, 587, 465);

    private async Task<string> HostedDomainAsync(string tag)
    {
        using var admin = await PortalSession.AdminAsync(host);
        using var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag);
        return $"{tag}.example";
    }

    private static StringContent AutodiscoverRequest(string address) => new(
        $"""<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>{address}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>""",
        Encoding.UTF8, "text/xml");

    [Fact]
    public async Task Thunderbird_HostedDomain_GetsConfiguredServers_OnBothPaths()
    {
        var domain = await HostedDomainAsync("tbird");
        using var client = host.CreateClient();
        foreach (var path in new[] { $"/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=someone%40{domain}", $"/mail/config-v1.1.xml?emailaddress=someone@{domain}" })
        {
            var response = await client.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
            var doc = XDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            var provider = doc.Root!.Element("emailProvider")!;
            Assert.Equal(domain, provider.Element("domain")!.Value);
            var servers = provider.Elements().Where(e => e.Name.LocalName is "incomingServer" or "outgoingServer")
                .Select(e => $"{e.Attribute("type")!.Value} {e.Element("hostname")!.Value}:{e.Element("port")!.Value} {e.Element("socketType")!.Value} {e.Element("username")!.Value}").ToList();
            // PanelHostFixture runs with the defaults of docs/contract.md section 2.
            Assert.Equal(
            [
                "imap localhost:1993 SSL %EMAILADDRESS%", "imap localhost:1143 STARTTLS %EMAILADDRESS%",
                "pop3 localhost:1995 SSL %EMAILADDRESS%", "pop3 localhost:1110 STARTTLS %EMAILADDRESS%",
                "smtp localhost:1465 SSL %EMAILADDRESS%", "smtp localhost:1587 STARTTLS %EMAILADDRESS%",
            ], servers);
        }
    }

    [Fact]
    public async Task Rfc8461_MtaStsPolicy_IsServedInTestingMode_ByDefault_OnTheMtaStsNameOfHostedDomains_Only()
    {
        // PanelHostFixture leaves Mail:MtaSts:Mode unset: testing, which asks senders for reports and refuses nothing.
        var domain = await HostedDomainAsync("sts");
        using var client = host.CreateClient();
        async Task<HttpResponseMessage> GetAsync(string hostHeader)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/mta-sts.txt");
            request.Headers.Host = hostHeader;
            return await client.SendAsync(request, Ct);
        }
        var response = await GetAsync("mta-sts." + domain);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        // RFC 8461 section 3.2: the key/value pairs, mx naming this server (PanelHostFixture: Mail:Hostname localhost).
        Assert.Equal("version: STSv1\r\nmode: testing\r\nmx: localhost\r\nmax_age: 604800\r\n", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("mta-sts.not-hosted.example")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(domain)).StatusCode);
    }

    [Fact]
    public void Rfc8461_Mode_IsTestingWhenUnset_AndOffWhenTheOperatorSaysSo()
    {
        static MtaStsPublishing Mode(string? value) =>
            MtaStsPolicy.Read(new ConfigurationBuilder().AddInMemoryCollection([new("Mail:MtaSts:Mode", value)]).Build());
        Assert.Equal(MtaStsPublishing.Testing, Mode(null));
        Assert.Equal(MtaStsPublishing.Off, Mode("off"));
        Assert.Equal(MtaStsPublishing.Enforce, Mode("Enforce"));
    }

    [Fact]
    public async Task Thunderbird_UnknownDomain_Is404_AndNoAddressUsesTheHostName()
    {
        using var client = host.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/mail/config-v1.1.xml?emailaddress=x@not-hosted.example", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=garbage", Ct)).StatusCode);
        // Without ?emailaddress= the Host header (127.0.0.1 here) names the domain, which is not hosted.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/mail/config-v1.1.xml", Ct)).StatusCode);
    }

    [Fact]
    public void Thunderbird_Document_UsesTheGivenHostnameAndPorts_AndSkipsDisabledListeners()
    {
        var doc = MailClientConfig.Thunderbird("example.com", Servers with { Pop3 = 0 });
        var ports = doc.Descendants("port").Select(p => p.Value).ToList();
        Assert.Equal(["993", "143", "995", "465", "587"], ports);
        Assert.All(doc.Descendants("hostname"), h => Assert.Equal("mail.host.example", h.Value));
    }

    [Fact]
    public async Task Autodiscover_Post_ReturnsImapPop3AndSmtp()
    {
        var domain = await HostedDomainAsync("outlook");
        using var client = host.CreateClient();
        var response = await client.PostAsync("/autodiscover/autodiscover.xml", AutodiscoverRequest($"someone@{domain}"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = XDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var protocols = doc.Descendants(Outlook + "Protocol")
            .Select(p => $"{p.Element(Outlook + "Type")!.Value} {p.Element(Outlook + "Server")!.Value}:{p.Element(Outlook + "Port")!.Value} {p.Element(Outlook + "LoginName")!.Value}").ToList();
        Assert.Equal([$"IMAP localhost:1993 someone@{domain}", $"POP3 localhost:1995 someone@{domain}", $"SMTP localhost:1465 someone@{domain}"], protocols);

        var unknown = await client.PostAsync("/Autodiscover/Autodiscover.xml", AutodiscoverRequest("someone@not-hosted.example"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Autodiscover_MalformedOversizedOrDtdInput_Is400_AndTheHostStaysUp()
    {
        var domain = await HostedDomainAsync("xxe");
        using var client = host.CreateClient();
        var secret = Path.Combine(host.DataDirectory, "secret.txt");
        await File.WriteAllTextAsync(secret, "TOP-SECRET", Ct);
        string[] bodies =
        [
            "<Autodiscover><Request><EMailAddress>a@b",
            "not xml at all",
            "",
            $"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><Autodiscover><Request><EMailAddress>&x;@{domain}</EMailAddress></Request></Autodiscover>""",
            """<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><Autodiscover><Request><EMailAddress>&c;</EMailAddress></Request></Autodiscover>""",
            "<Autodiscover><Request><EMailAddress>" + new string('a', MailClientConfig.MaxRequestBytes) + $"@{domain}</EMailAddress></Request></Autodiscover>",
            "<Autodiscover><Request></Request></Autodiscover>",
        ];
        foreach (var body in bodies)
        {
            var response = await client.PostAsync("/autodiscover/autodiscover.xml", new StringContent(body, Encoding.UTF8, "text/xml"), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.DoesNotContain("TOP-SECRET", await response.Content.ReadAsStringAsync(Ct));
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/autodiscover/autodiscover.xml", AutodiscoverRequest($"ok@{domain}"), Ct)).StatusCode);
    }

    [Fact]
    public async Task Autodiscover_HostileAddress_IsXmlEncoded()
    {
        var domain = await HostedDomainAsync("hostile");
        using var client = host.CreateClient();
        var hostile = $"\"<script>alert('x')</script>\"@{domain}";
        var response = await client.PostAsync("/autodiscover/autodiscover.xml", AutodiscoverRequest(System.Security.SecurityElement.Escape(hostile)), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("<script>", text);
        Assert.Contains("&lt;script&gt;", text);
        var doc = XDocument.Parse(text);
        Assert.All(doc.Descendants(Outlook + "LoginName"), l => Assert.Equal(hostile, l.Value));
    }

    [Fact]
    public void DnsRecords_ListMxSpfAutoconfigAndSrv()
    {
        // Off shows no MTA-STS records; TLS-RPT is shown either way (reports cost nothing to receive).
        Assert.DoesNotContain(DnsRecords.For("example.com", null, Servers), r => r.Name.Contains("mta-sts"));
        var records = DnsRecords.For("example.com", null, Servers with { Pop3 = 0, MtaSts = MtaStsPublishing.Testing })
            .Select(r => $"{r.Name} {r.Type} {DnsRecords.ZoneValue(r)}").ToList();
        Assert.Equal(
        [
            "example.com. MX 10 mail.host.example.",
            "example.com. TXT \"v=spf1 mx ~all\"",
            "_dmarc.example.com. TXT \"v=DMARC1; p=none\"",
            $"_mta-sts.example.com. TXT \"v=STSv1; id={MtaStsPolicy.Id("mail.host.example", MtaStsPublishing.Testing)}\"",
            "mta-sts.example.com. CNAME mail.host.example.",
            "_smtp._tls.example.com. TXT \"v=TLSRPTv1; rua=mailto:postmaster@example.com\"",
            "autoconfig.example.com. CNAME mail.host.example.",
            "autodiscover.example.com. CNAME mail.host.example.",
            "_imaps._tcp.example.com. SRV 0 1 993 mail.host.example.",
            "_imap._tcp.example.com. SRV 10 1 143 mail.host.example.",
            "_pop3s._tcp.example.com. SRV 10 1 995 mail.host.example.",
            "_pop3._tcp.example.com. SRV 0 0 0 .",
            "_submissions._tcp.example.com. SRV 0 1 465 mail.host.example.",
            "_submission._tcp.example.com. SRV 10 1 587 mail.host.example.",
        ], records);
    }

    [Fact]
    public async Task DomainPage_ShowsTheDnsRecords()
    {
        using var admin = await PortalSession.AdminAsync(host);
        using var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, "dnspage");
        var page = await customer.GetStringAsync("/domains/dnspage.example");
        Assert.Contains("id=\"dns-records\"", page);
        Assert.Contains("_submissions._tcp.dnspage.example.", page);
        Assert.Contains("SRV", page);
        Assert.Contains("10 localhost.", page);
        Assert.Contains("autoconfig.dnspage.example.", page);
    }
}
