using HostingPanel.Testing;

namespace HostingPanel.MailEngine.Tests.Reliability;

/// <summary>
/// Issue 10 item 4, TLS versions on every mail listener: TLS 1.0 and 1.1 are refused by the server
/// (the client offers them: proven against an openssl s_server that accepts them), TLS 1.2 and 1.3 are
/// accepted; on the implicit-TLS ports (IMAPS, POP3S, SUBMISSIONS) and on the STARTTLS/STLS paths
/// (IMAP, POP3, SMTP MX, submission).
/// </summary>
public sealed class TlsVersionTests
{
    [Fact]
    public async Task Tls10And11_AreRefused_Tls12And13_Accepted_OnEveryMailListener()
    {
        await OpenSslProbe.ClientCanOfferLegacyTlsAsync();
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:AllowPlaintextAuth"] = "false" });
        var listeners = new (string Name, int Port, string? StartTls)[]
        {
            ("IMAPS", engine.ImapsPort, null),
            ("POP3S", engine.Pop3sPort, null),
            ("SUBMISSIONS", engine.SubmissionsPort, null),
            ("IMAP STARTTLS", engine.ImapPort, "imap"),
            ("POP3 STLS", engine.Pop3Port, "pop3"),
            ("SMTP STARTTLS", engine.SmtpPort, "smtp"),
            ("SUBMISSION STARTTLS", engine.SubmissionPort, "smtp"),
        };
        foreach (var (name, port, startTls) in listeners)
        {
            foreach (var old in new[] { "tls1", "tls1_1" })
            {
                var outcome = await OpenSslProbe.HandshakeAsync(port, old, startTls);
                Assert.True(outcome.RefusedByServer, $"{name} did not refuse {old}:\n{outcome.Output}");
            }
            Assert.Equal("TLSv1.2", (await OpenSslProbe.HandshakeAsync(port, "tls1_2", startTls)).Protocol);
            Assert.Equal("TLSv1.3", (await OpenSslProbe.HandshakeAsync(port, "tls1_3", startTls)).Protocol);
            TestContext.Current.TestOutputHelper?.WriteLine($"{name}: TLS 1.0/1.1 refused, 1.2/1.3 accepted");
        }
    }
}
