using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// Issue 28.4, DANE (RFC 7672) in direct MX delivery. Debian's Knot DNS signs a root zone on loopback, whose DS
/// record is the product's only trust anchor (<c>Dns:TrustAnchors:0</c>) and which is the product's only resolver;
/// one receiving MTA plays every MX host with a self-signed certificate per name (DANE-EE needs no CA).
/// </summary>
public sealed class DaneDeliveryTests
{
    [Fact]
    public async Task Rfc7672_SignedTlsaDecides_MatchDelivers_MismatchStrippedOrBogusDefers_UnsignedFallsBack_EachDecisionLogged()
    {
        var certificates = new Dictionary<string, X509Certificate2>(StringComparer.OrdinalIgnoreCase);
        foreach (var host in new[] { "mx.ok.test", "mx.bad.test", "mx.plain.test", "mx.stripped.test", "mx.forged.test", "mx.huge.test" })
            certificates[host] = TestCertificateAuthority.SelfSigned(host);
        string Tlsa(string host) => "3 1 1 " + Convert.ToHexString(SHA256.HashData(certificates[host].PublicKey.ExportSubjectPublicKeyInfo()));
        var wrong = "3 1 1 " + Convert.ToHexString(SHA256.HashData("not this key"u8));

        var root = new List<string>();
        foreach (var name in new[] { "ok", "bad", "huge" })
        {
            root.Add($"{name}.test. MX 10 mx.{name}.test.");
            root.Add($"mx.{name}.test. A 127.0.0.1");
        }
        root.Add($"_25._tcp.mx.ok.test. TLSA {Tlsa("mx.ok.test")}");
        // An MTA-STS record too: DANE takes precedence (RFC 8461 section 2), the policy is not even fetched.
        root.Add("_mta-sts.ok.test. TXT \"v=STSv1; id=1;\"");
        root.Add($"_25._tcp.mx.bad.test. TLSA {wrong}");
        // A hostile zone's huge TLSA set: 300 records, the matching one last (answered over TCP).
        root.AddRange(Enumerable.Range(0, 300).Select(i => $"_25._tcp.mx.huge.test. TLSA 3 1 1 {Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(i)))}"));
        root.Add($"_25._tcp.mx.huge.test. TLSA {Tlsa("mx.huge.test")}");
        // plain.test: an ordinary unsigned zone (no DS); its TLSA record is a fake nobody signed and must be ignored.
        root.Add("plain.test. NS ns.test.");
        // stripped.test: the parent says it is signed (DS), its answers come without signatures: an attacker's strip.
        root.Add("stripped.test. NS ns.test.");
        root.Add($"stripped.test. DS 12345 13 2 {Convert.ToHexString(SHA256.HashData("stripped"u8))}");
        // forged.test: signed, but with a key the parent's DS does not vouch for: bogus signatures.
        root.Add("forged.test. NS ns.test.");
        root.Add($"forged.test. DS 54321 13 2 {Convert.ToHexString(SHA256.HashData("forged"u8))}");
        string[] Child(string name, string tlsa) => ["@ MX 10 mx", "mx A 127.0.0.1", $"_25._tcp.mx TLSA {tlsa}"];

        await using var dns = await KnotSignedDns.StartAsync(root,
        [
            ("plain.test", Child("plain", wrong), false),
            ("stripped.test", Child("stripped", wrong), false),
            ("forged.test", Child("forged", Tlsa("mx.forged.test")), true),
        ]);
        await using var mx = new FakeSmtpRelay { CertificateFor = name => name is not null && certificates.TryGetValue(name, out var c) ? c : certificates["mx.plain.test"] };
        await using var engine = await EngineHost.StartAsync(new()
        {
            ["Dns:Servers:0"] = dns.Endpoint,
            ["Dns:TrustAnchors:0"] = dns.RootTrustAnchor,
            ["Mail:Relay:MxPort"] = mx.Port.ToString(),
            ["Mail:Relay:MtaStsPolicyPort"] = "1", // nothing listens: a fetch would fail and say so in the log
            ["Mail:Queue:RetryDelay"] = "01:00:00",
        });
        await engine.CreateMailboxAsync("adam@example.com");
        string[] domains = ["ok.test", "bad.test", "huge.test", "plain.test", "stripped.test", "forged.test"];
        await OutboundAttempts.SubmitAsync(engine, string.Join(", ", domains.Select(d => "to@" + d)), "first");
        var lines = await OutboundAttempts.ForAllAsync(engine, domains.Select(d => "to@" + d));

        var ok = Assert.Single(lines["to@ok.test"]);
        Assert.Equal("relayed", ok.Outcome);
        Assert.Contains("DANE: MX RRset secure; mx.ok.test: TLSA 3 1 1", ok.Detail);
        Assert.Contains("certificate matches a DNSSEC-validated TLSA record of mx.ok.test", ok.Detail);
        Assert.Contains("MTA-STS: not consulted (DANE applies", ok.Detail);

        var bad = Assert.Single(lines["to@bad.test"]);
        Assert.Equal("deferred", bad.Outcome);
        Assert.Contains("dane-tlsa-mismatch", bad.Detail);
        Assert.Contains("not delivered", bad.Detail);

        var huge = Assert.Single(lines["to@huge.test"]);
        Assert.Equal("relayed", huge.Outcome);
        Assert.Contains("and 298 more", huge.Detail);
        Assert.Contains("certificate matches a DNSSEC-validated TLSA record of mx.huge.test", huge.Detail);

        var plain = Assert.Single(lines["to@plain.test"]);
        Assert.Equal("relayed", plain.Outcome);
        Assert.Contains("DANE: not applicable (plain.test is not DNSSEC-signed)", plain.Detail);
        Assert.Contains("MTA-STS: none published", plain.Detail);

        var stripped = Assert.Single(lines["to@stripped.test"]);
        Assert.Equal("deferred", stripped.Outcome);
        Assert.Contains("DANE: the MX RRset of stripped.test does not validate", stripped.Detail);
        Assert.Contains("whose DS record in the signed parent says it is signed", stripped.Detail);

        var forged = Assert.Single(lines["to@forged.test"]);
        Assert.Equal("deferred", forged.Outcome);
        Assert.Contains("DANE: the MX RRset of forged.test does not validate", forged.Detail);

        lock (mx.Accepted)
        {
            var delivered = mx.Accepted.SelectMany(m => m.To).ToList();
            Assert.Equal(["to@huge.test", "to@ok.test", "to@plain.test"], delivered.Order().ToArray());
            Assert.Contains("to@ok.test", mx.AcceptedOverTls);
            Assert.Contains("to@huge.test", mx.AcceptedOverTls);
        }

        // An attacker on the path strips STARTTLS: DANE makes TLS mandatory, so the mail waits; the unsigned domain
        // has nothing to insist on and goes in clear, which the log says.
        mx.CertificateFor = null;
        await OutboundAttempts.SubmitAsync(engine, "again@ok.test, again@plain.test", "second");
        lines = await OutboundAttempts.ForAllAsync(engine, ["again@ok.test", "again@plain.test"]);
        var strippedTls = Assert.Single(lines["again@ok.test"]);
        Assert.Equal("deferred", strippedTls.Outcome);
        Assert.Contains("starttls-not-supported", strippedTls.Detail);
        var clear = Assert.Single(lines["again@plain.test"]);
        Assert.Equal("relayed", clear.Outcome);
        Assert.Contains("no TLS (not offered)", clear.Detail);
        lock (mx.Accepted)
            Assert.DoesNotContain("again@ok.test", mx.Accepted.SelectMany(m => m.To));
    }
}
