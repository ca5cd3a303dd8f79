using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.Testing;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// Issue 28.4, REQUIRETLS and the TLS-Required header field (RFC 8689): offered and accepted only over TLS; honoured
/// outbound only towards MX hosts verified by DANE (Debian's knot signs the test's DNS, as in DaneDeliveryTests) that
/// offer REQUIRETLS themselves, else returned with 5.7.30; <c>TLS-Required: No</c> waives the recipient's policy.
/// </summary>
public sealed class RequireTlsTests
{
    [Fact]
    public async Task Rfc8689_RequireTls_IsOfferedAndAcceptedOnlyOnATlsSession()
    {
        await using var engine = await EngineHost.StartAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", engine.SmtpPort);
        var stream = tcp.GetStream();
        var reader = new StreamReader(stream, Encoding.ASCII);
        async Task<string> ReplyAsync()
        {
            var text = new StringBuilder();
            while (await reader.ReadLineAsync() is { } line)
            {
                text.Append(line).Append('\n');
                if (line.Length < 4 || line[3] != '-')
                    break;
            }
            return text.ToString();
        }
        async Task<string> SendAsync(string line)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
            return await ReplyAsync();
        }
        await ReplyAsync();
        var ehlo = await SendAsync("EHLO client.test");
        Assert.Contains("STARTTLS", ehlo);
        Assert.DoesNotContain("REQUIRETLS", ehlo);
        Assert.StartsWith("530 5.7.10", await SendAsync("MAIL FROM:<someone@example.org> REQUIRETLS"));
        Assert.StartsWith("250", await SendAsync("MAIL FROM:<someone@example.org>"));

        using var secure = await SmtpTestKit.ConnectAsync(engine.SmtpPort, SecureSocketOptions.StartTls);
        Assert.True(secure.Capabilities.HasFlag(SmtpCapabilities.RequireTLS));
        await secure.DisconnectAsync(true);
    }

    [Fact]
    public async Task Rfc8689_RequireTls_GoesOnlyToDaneVerifiedMxOfferingIt_ElseReturned5730_AndTlsRequiredNoWaivesThePolicy()
    {
        var certificates = new Dictionary<string, X509Certificate2>(StringComparer.OrdinalIgnoreCase);
        foreach (var host in new[] { "mx.ok.test", "mx.bad.test", "mx.plain.test" })
            certificates[host] = TestCertificateAuthority.SelfSigned(host);
        string Tlsa(string host) => "3 1 1 " + Convert.ToHexString(SHA256.HashData(certificates[host].PublicKey.ExportSubjectPublicKeyInfo()));
        var root = new List<string>();
        foreach (var name in new[] { "ok", "bad" })
        {
            root.Add($"{name}.test. MX 10 mx.{name}.test.");
            root.Add($"mx.{name}.test. A 127.0.0.1");
        }
        root.Add($"_25._tcp.mx.ok.test. TLSA {Tlsa("mx.ok.test")}");
        root.Add($"_25._tcp.mx.bad.test. TLSA 3 1 1 {Convert.ToHexString(SHA256.HashData("another key"u8))}");
        root.Add("plain.test. NS ns.test.");
        await using var dns = await KnotSignedDns.StartAsync(root, [("plain.test", ["@ MX 10 mx", "mx A 127.0.0.1"], false)]);
        await using var mx = new FakeSmtpRelay
        {
            CertificateFor = name => name is not null && certificates.TryGetValue(name, out var c) ? c : certificates["mx.plain.test"],
            Extensions = ["8BITMIME", "REQUIRETLS"],
        };
        await using var engine = await EngineHost.StartAsync(new()
        {
            ["Dns:Servers:0"] = dns.Endpoint,
            ["Dns:TrustAnchors:0"] = dns.RootTrustAnchor,
            ["Mail:Relay:MxPort"] = mx.Port.ToString(),
            ["Mail:Relay:MtaStsPolicyPort"] = "1",
            ["Mail:Queue:RetryDelay"] = "01:00:00",
        });
        await engine.CreateMailboxAsync("adam@example.com");

        await SendAsync(engine, "r@ok.test, r@plain.test", requireTls: true);
        var lines = await OutboundAttempts.ForAllAsync(engine, ["r@ok.test", "r@plain.test"]);
        var verified = Assert.Single(lines["r@ok.test"]);
        Assert.Equal("relayed", verified.Outcome);
        Assert.Contains("certificate matches a DNSSEC-validated TLSA record of mx.ok.test", verified.Detail);
        lock (mx.Commands)
            Assert.Contains(mx.Commands, c => c.StartsWith("MAIL FROM:<adam@example.com>") && c.Contains(" REQUIRETLS"));
        var unverifiable = Assert.Single(lines["r@plain.test"]);
        Assert.Equal("bounced", unverifiable.Outcome);
        Assert.Contains("REQUIRETLS: no MX host of plain.test can be verified", unverifiable.Detail);

        // The same verified MX no longer offers REQUIRETLS: it could not keep the promise further on, so the message returns.
        mx.Extensions = ["8BITMIME"];
        await SendAsync(engine, "again@ok.test", requireTls: true);
        var notOffered = Assert.Single((await OutboundAttempts.ForAllAsync(engine, ["again@ok.test"]))["again@ok.test"]);
        Assert.Equal("bounced", notOffered.Outcome);
        Assert.Contains("REQUIRETLS: mx.ok.test does not offer REQUIRETLS", notOffered.Detail);

        // TLS-Required: No (section 5): the sender accepts delivery despite the recipient's DANE policy failing; without
        // the header the same destination defers.
        await SendAsync(engine, "waived@bad.test", requireTls: false, tlsRequiredNo: true);
        await SendAsync(engine, "held@bad.test", requireTls: false);
        lines = await OutboundAttempts.ForAllAsync(engine, ["waived@bad.test", "held@bad.test"]);
        var waived = Assert.Single(lines["waived@bad.test"]);
        Assert.Equal("relayed", waived.Outcome);
        Assert.Contains("TLS-Required: No: MTA-STS and DANE not applied at the sender's request", waived.Detail);
        Assert.Equal("deferred", Assert.Single(lines["held@bad.test"]).Outcome);

        lock (mx.Accepted)
        {
            var delivered = mx.Accepted.SelectMany(m => m.To).ToList();
            Assert.Equal(["r@ok.test", "waived@bad.test"], delivered.Order().ToArray());
        }
    }

    private static async Task SendAsync(EngineHost engine, string to, bool requireTls, bool tlsRequiredNo = false)
    {
        using var client = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, SecureSocketOptions.StartTls, user: "adam@example.com");
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.RequireTLS));
        client.RequireTLS = requireTls;
        var message = SmtpTestKit.Message("adam@example.com", to, "require tls");
        if (tlsRequiredNo)
            message.Headers.Add("TLS-Required", "No");
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }
}
