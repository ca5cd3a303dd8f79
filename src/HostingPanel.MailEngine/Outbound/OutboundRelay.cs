using System.Net.Sockets;
using HostingPanel.MailEngine.Hosting;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace HostingPanel.MailEngine.Outbound;

public enum RelayOutcomeKind
{
    Delivered,
    /// <summary>4xx or no connection: try again later.</summary>
    Temporary,
    /// <summary>5xx: give up and bounce.</summary>
    Permanent,
}

public sealed record RelayOutcome(RelayOutcomeKind Kind, string? Error = null, string Status = "4.0.0");

/// <summary>One delivery attempt of a queue entry: through the smarthost, or to each domain's MX hosts in order.</summary>
public sealed class OutboundRelay(IOptions<RelayOptions> relayOptions, IOptions<MailEngineOptions> mailOptions, IMxResolver mx,
    Dkim.OutboundDkimSigner dkim, ILogger<OutboundRelay> logger)
{
    private readonly RelayOptions _relay = relayOptions.Value;
    private readonly string _hostname = mailOptions.Value.Hostname;

    public async Task<IReadOnlyDictionary<string, RelayOutcome>> AttemptAsync(string sender, IReadOnlyList<string> recipients, byte[] message, CancellationToken ct)
    {
        var outcomes = new Dictionary<string, RelayOutcome>(StringComparer.OrdinalIgnoreCase);
        // Bounded MIME depth: a 1,000-deep message must not recurse the parser into a stack overflow (MimeKit #355).
        var mime = await MimeMessage.LoadAsync(Protocol.Imap.Mime.ImapMessageStructure.ParserOptions, new MemoryStream(message), ct);
        // Signed at each attempt, not once at queueing: a rotation that completes while the message waits is honoured,
        // and the queue keeps the bytes exactly as they were received.
        await dkim.SignAsync(mime, ct);
        if (!string.IsNullOrWhiteSpace(_relay.Host))
        {
            var security = _relay.Security switch
            {
                RelaySecurity.None => SecureSocketOptions.None,
                RelaySecurity.StartTls => SecureSocketOptions.StartTls,
                RelaySecurity.Tls => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.StartTlsWhenAvailable,
            };
            await SendAsync([(_relay.Host!, _relay.Port)], security, _relay.AcceptAnyCertificate, authenticate: true, sender, recipients, mime, outcomes, ct);
            return outcomes;
        }
        foreach (var group in recipients.GroupBy(r => r[(r.LastIndexOf('@') + 1)..], StringComparer.OrdinalIgnoreCase))
        {
            IReadOnlyList<string> hosts;
            try
            {
                hosts = await mx.ResolveAsync(group.Key, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                foreach (var r in group)
                    outcomes[r] = new RelayOutcome(RelayOutcomeKind.Temporary, $"DNS lookup for {group.Key} failed: {e.Message}", "4.4.3");
                continue;
            }
            if (hosts.Count == 0)
            {
                foreach (var r in group)
                    outcomes[r] = new RelayOutcome(RelayOutcomeKind.Permanent, $"{group.Key} accepts no mail (no MX or null MX)", "5.1.10");
                continue;
            }
            await SendAsync(hosts.Select(h => (h, _relay.MxPort)).ToList(), SecureSocketOptions.StartTlsWhenAvailable, acceptAnyCertificate: true,
                authenticate: false, sender, group.ToList(), mime, outcomes, ct);
        }
        return outcomes;
    }

    private async Task SendAsync(IReadOnlyList<(string Host, int Port)> hosts, SecureSocketOptions security, bool acceptAnyCertificate, bool authenticate,
        string sender, IReadOnlyList<string> recipients, MimeMessage message, Dictionary<string, RelayOutcome> outcomes, CancellationToken ct)
    {
        var error = "no host to try";
        foreach (var (host, port) in hosts)
        {
            using var client = new QueueSmtpClient { LocalDomain = _hostname, Timeout = (int)_relay.Timeout.TotalMilliseconds };
            if (acceptAnyCertificate)
                client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            try
            {
                await client.ConnectAsync(host, port, security, ct);
                if (authenticate && !string.IsNullOrEmpty(_relay.Username))
                    await client.AuthenticateAsync(_relay.Username, _relay.Password ?? "", ct);
                var from = sender.Length == 0 ? new MailboxAddress("", "") : MailboxAddress.Parse(sender);
                await client.SendAsync(FormatOptions.Default, message, from, recipients.Select(r => MailboxAddress.Parse(r)), ct);
                await client.DisconnectAsync(true, ct);
                foreach (var r in recipients)
                    outcomes[r] = client.Rejected.TryGetValue(r, out var rejected) ? Classify(rejected.StatusCode, rejected.Response, host) : new RelayOutcome(RelayOutcomeKind.Delivered);
                return;
            }
            catch (SmtpCommandException e)
            {
                // The server answered: its verdict stands for every recipient it did not answer separately.
                foreach (var r in recipients)
                    outcomes[r] = client.Rejected.TryGetValue(r, out var rejected)
                        ? Classify(rejected.StatusCode, rejected.Response, host)
                        : Classify(e.StatusCode, e.Message, host);
                return;
            }
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or SslHandshakeException or AuthenticationException
                                          or TimeoutException or ServiceNotConnectedException or (OperationCanceledException and not TaskCanceledException { CancellationToken.IsCancellationRequested: true }))
            {
                if (ct.IsCancellationRequested)
                    throw;
                error = $"{host}:{port}: {e.Message}";
                logger.LogInformation("Outbound connection to {Host}:{Port} failed: {Error}", host, port, e.Message);
            }
        }
        foreach (var r in recipients)
            outcomes[r] = new RelayOutcome(RelayOutcomeKind.Temporary, error, "4.4.1");
    }

    private static RelayOutcome Classify(SmtpStatusCode code, string text, string host)
    {
        var numeric = (int)code;
        var error = $"{host} said: {numeric} {text}".Trim();
        var enhanced = text.Split(' ', 2)[0];
        var status = enhanced.Length >= 5 && char.IsAsciiDigit(enhanced[0]) && enhanced[1] == '.' ? enhanced : numeric >= 500 ? "5.0.0" : "4.0.0";
        return numeric >= 500 ? new RelayOutcome(RelayOutcomeKind.Permanent, error, status) : new RelayOutcome(RelayOutcomeKind.Temporary, error, status);
    }

    /// <summary>Records refused recipients instead of giving up on the whole message (MailKit's default).</summary>
    private sealed class QueueSmtpClient : SmtpClient
    {
        public Dictionary<string, (SmtpStatusCode StatusCode, string Response)> Rejected { get; } = new(StringComparer.OrdinalIgnoreCase);

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Rejected[mailbox.Address] = (response.StatusCode, response.Response);
    }
}
