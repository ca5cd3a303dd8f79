using HostingPanel.MailEngine.Delivery;
using HostingPanel.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// Issue 28.4, MTA-STS (RFC 8461) in direct MX delivery. Debian's dnsmasq publishes the MX, A and <c>_mta-sts</c> TXT
/// records on loopback as the product's only resolver; a local HTTPS server plays each <c>mta-sts.&lt;domain&gt;</c>
/// with a certificate from a private CA the product is told to trust; one receiving MTA plays every MX host and
/// presents, by SNI, either a certificate from that CA or a self-signed one.
/// </summary>
public sealed class MtaStsDeliveryTests
{
    private static readonly string[] Domains = ["enforce.test", "badcert.test", "mismatch.test", "testing.test", "none.test"];

    [Fact]
    public async Task EnforcedPolicies_DeliverOnlyOverVerifiedTls_ToMatchingMx_TestingAndNoneDeliverAnyway_EachDecisionLogged_AndStrippingIsRefused()
    {
        using var ca = new TestCertificateAuthority();
        var good = new Dictionary<string, System.Security.Cryptography.X509Certificates.X509Certificate2>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in new[] { "mx.enforce.test", "mx.mismatch.test", "mx.none.test" }.Concat(Domains.Select(d => "mta-sts." + d)))
            good[name] = ca.Issue(name);
        var selfSigned = TestCertificateAuthority.SelfSigned("mx.badcert.test");
        var selfSignedTesting = TestCertificateAuthority.SelfSigned("mx.testing.test");
        System.Security.Cryptography.X509Certificates.X509Certificate2 Pick(string? name) =>
            name is not null && good.TryGetValue(name, out var c) ? c : name == "mx.testing.test" ? selfSignedTesting : selfSigned;

        await using var dns = await DnsmasqServer.StartAsync();
        foreach (var domain in Domains)
        {
            dns.SetMx(domain, "mx." + domain);
            dns.SetA("mx." + domain, "127.0.0.1");
            dns.SetA("mta-sts." + domain, "127.0.0.1");
            if (domain != "none.test")
                dns.SetTxt("_mta-sts." + domain, "v=STSv1; id=20261207a;");
        }
        await dns.PublishAsync();
        await using var policies = new MtaStsPolicyServer(Pick);
        policies.Policies["mta-sts.enforce.test"] = MtaStsPolicyServer.Policy("enforce", "mx.enforce.test");
        policies.Policies["mta-sts.badcert.test"] = MtaStsPolicyServer.Policy("enforce", "*.badcert.test");
        policies.Policies["mta-sts.mismatch.test"] = MtaStsPolicyServer.Policy("enforce", "mx.elsewhere.test");
        policies.Policies["mta-sts.testing.test"] = MtaStsPolicyServer.Policy("testing", "mx.testing.test");
        await using var mx = new FakeSmtpRelay { CertificateFor = Pick };
        await using var engine = await EngineHost.StartAsync(new()
        {
            ["Dns:Servers:0"] = dns.Endpoint,
            ["Mail:Relay:MxPort"] = mx.Port.ToString(),
            ["Mail:Relay:MtaStsPolicyPort"] = policies.Port.ToString(),
            ["Mail:Relay:TrustedRootsPath"] = ca.RootPemPath,
            ["Mail:Queue:RetryDelay"] = "01:00:00",
        });
        await engine.CreateMailboxAsync("adam@example.com");
        await OutboundAttempts.SubmitAsync(engine, string.Join(", ", Domains.Select(d => "to@" + d)), "first");

        var lines = await OutboundAttempts.ForAllAsync(engine, Domains.Select(d => "to@" + d));
        var enforce = Assert.Single(lines["to@enforce.test"]);
        Assert.Equal("relayed", enforce.Outcome);
        Assert.Contains("MTA-STS: enforce policy id 20261207a fetched", enforce.Detail);
        Assert.True(enforce.Detail!.Contains("certificate valid for mx.enforce.test"), enforce.Detail);

        var badCert = Assert.Single(lines["to@badcert.test"]);
        Assert.Equal("deferred", badCert.Outcome);
        Assert.Contains("enforce policy", badCert.Detail);
        Assert.Contains("certificate-not-trusted", badCert.Detail);

        var mismatch = Assert.Single(lines["to@mismatch.test"]);
        Assert.Equal("deferred", mismatch.Outcome);
        Assert.Contains("no MX host of mismatch.test (mx.mismatch.test) matches the policy", mismatch.Detail);

        var testing = Assert.Single(lines["to@testing.test"]);
        Assert.Equal("relayed", testing.Outcome);
        Assert.Contains("testing policy", testing.Detail);
        Assert.Contains("certificate not valid: certificate-not-trusted", testing.Detail);

        var none = Assert.Single(lines["to@none.test"]);
        Assert.Equal("relayed", none.Outcome);
        Assert.Contains("MTA-STS: none published", none.Detail);

        lock (mx.Accepted)
        {
            var delivered = mx.Accepted.SelectMany(m => m.To).ToList();
            Assert.Contains("to@enforce.test", delivered);
            Assert.DoesNotContain("to@badcert.test", delivered);
            Assert.DoesNotContain("to@mismatch.test", delivered);
            Assert.Contains("to@enforce.test", mx.AcceptedOverTls);
        }

        // An attacker on the path now strips STARTTLS and blocks the policy: the TXT record is gone and the HTTPS
        // server answers 404. The cached policy still holds (RFC 8461 section 5.1), so nothing goes out in clear.
        var fetches = policies.Fetches;
        mx.CertificateFor = null;
        dns.RemoveTxt("_mta-sts.enforce.test");
        await dns.PublishAsync();
        lock (policies.Policies)
            policies.Policies.Clear();
        await OutboundAttempts.SubmitAsync(engine, "again@enforce.test, again@none.test", "second");
        lines = await OutboundAttempts.ForAllAsync(engine, ["again@enforce.test", "again@none.test"]);
        var stripped = Assert.Single(lines["again@enforce.test"]);
        Assert.Equal("deferred", stripped.Outcome);
        Assert.Contains("MTA-STS: cached enforce policy (no TXT record now)", stripped.Detail);
        Assert.Contains("starttls-not-supported", stripped.Detail);
        // Without a policy, opportunistic TLS is all there is: delivered in clear, and the log says so.
        var clear = Assert.Single(lines["again@none.test"]);
        Assert.Equal("relayed", clear.Outcome);
        Assert.Contains("no TLS (not offered)", clear.Detail);
        lock (mx.Accepted)
            Assert.DoesNotContain("again@enforce.test", mx.Accepted.SelectMany(m => m.To));
        Assert.Equal(fetches, policies.Fetches);
    }

    /// <summary>
    /// The decision for a smarthost (documented in README, "Outbound TLS"): MTA-STS and DANE judge the destination's
    /// MX hosts (RFC 8461 section 5, RFC 7672 section 2.2), which the product never meets when a smarthost delivers
    /// for it. So neither is applied, no policy is fetched, the smarthost gets the mail over the TLS that
    /// <c>Mail:Relay:Security</c> asks for, and the delivery log says that no policy was enforced.
    /// </summary>
    [Fact]
    public async Task ThroughASmarthost_MtaStsAndDaneAreNotApplied_NoPolicyIsFetched_AndTheLogSaysSo()
    {
        using var ca = new TestCertificateAuthority();
        var certificate = ca.Issue("mta-sts.enforce.test");
        await using var dns = await DnsmasqServer.StartAsync();
        dns.SetMx("enforce.test", "mx.enforce.test");
        dns.SetA("mx.enforce.test", "127.0.0.1");
        dns.SetA("mta-sts.enforce.test", "127.0.0.1");
        dns.SetTxt("_mta-sts.enforce.test", "v=STSv1; id=20261207a;");
        await dns.PublishAsync();
        await using var policies = new MtaStsPolicyServer(_ => certificate);
        policies.Policies["mta-sts.enforce.test"] = MtaStsPolicyServer.Policy("enforce", "mx.enforce.test");
        await using var smarthost = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(new()
        {
            ["Dns:Servers:0"] = dns.Endpoint,
            ["Mail:Relay:Host"] = "127.0.0.1",
            ["Mail:Relay:Port"] = smarthost.Port.ToString(),
            ["Mail:Relay:MtaStsPolicyPort"] = policies.Port.ToString(),
            ["Mail:Relay:TrustedRootsPath"] = ca.RootPemPath,
        });
        await engine.CreateMailboxAsync("adam@example.com");
        await OutboundAttempts.SubmitAsync(engine, "to@enforce.test", "through the smarthost");

        var line = Assert.Single((await OutboundAttempts.ForAllAsync(engine, ["to@enforce.test"]))["to@enforce.test"]);
        Assert.Equal("relayed", line.Outcome);
        Assert.Contains("MTA-STS and DANE: not applied (sent through the smarthost 127.0.0.1", line.Detail);
        lock (smarthost.Accepted)
            Assert.Contains("to@enforce.test", smarthost.Accepted.SelectMany(m => m.To));
        Assert.Equal(0, policies.Fetches);
    }
}
