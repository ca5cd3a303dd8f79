using System.Net;
using System.Net.Sockets;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Protocol.Smtp;
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

/// <param name="NextHopSpeaksDsn">Delivered to a server that offered DSN (RFC 3461): it reports from now on, so no "relayed" report is due.</param>
/// <param name="Tls">What TLS the attempt had and why (MTA-STS decision, certificate verdict), for the delivery log.</param>
public sealed record RelayOutcome(RelayOutcomeKind Kind, string? Error = null, string Status = "4.0.0", bool NextHopSpeaksDsn = false, string? Tls = null);

/// <summary>How one destination's MX hosts are to be reached: the TLS rule and what to write in the log about it.</summary>
internal sealed record TlsRequirement(bool RequireValidCertificate, string Note)
{
    public static readonly TlsRequirement Opportunistic = new(false, "");
}

/// <summary>The DSN parameters (RFC 3461) of a queue entry, passed on to a next hop that offers DSN.</summary>
public sealed record OutboundDsn(DsnEnvelope Envelope, IReadOnlyDictionary<string, DsnRecipient> Recipients)
{
    public static readonly OutboundDsn None = new(DsnEnvelope.None, new Dictionary<string, DsnRecipient>());

    public static OutboundDsn Of(QueuedMessage entry) =>
        new(entry.Dsn ?? DsnEnvelope.None,
            entry.Recipients.Where(r => r.Dsn is not null).GroupBy(r => r.Address, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First().Dsn!, StringComparer.OrdinalIgnoreCase));
}

/// <summary>One delivery attempt of a queue entry: through the smarthost, or to each domain's MX hosts in order.</summary>
public sealed class OutboundRelay(IOptions<RelayOptions> relayOptions, IOptions<MailEngineOptions> mailOptions, IMxResolver mx,
    Dkim.OutboundDkimSigner dkim, ILogger<OutboundRelay> logger, MtaSts.MtaStsPolicySource mtaSts, OutboundTlsValidator validator)
{
    private readonly RelayOptions _relay = relayOptions.Value;
    private readonly string _hostname = mailOptions.Value.Hostname;

    public Task<IReadOnlyDictionary<string, RelayOutcome>> AttemptAsync(string sender, IReadOnlyList<string> recipients, byte[] message, CancellationToken ct) =>
        AttemptAsync(sender, recipients, message, OutboundDsn.None, ct);

    public async Task<IReadOnlyDictionary<string, RelayOutcome>> AttemptAsync(string sender, IReadOnlyList<string> recipients, byte[] message, OutboundDsn dsn, CancellationToken ct)
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
            await SendAsync([(_relay.Host!, _relay.Port)], security, _relay.AcceptAnyCertificate, authenticate: true, sender, recipients, mime, dsn, outcomes, ct);
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
            var tls = TlsRequirement.Opportunistic;
            if (_relay.MtaSts)
            {
                // RFC 8461 section 5: an enforced policy limits delivery to its MX hosts, over TLS with a valid certificate.
                var lookup = await mtaSts.GetAsync(group.Key, ct);
                if (lookup.Enforced)
                {
                    var allowed = hosts.Where(h => lookup.Policy!.Matches(h)).ToList();
                    if (allowed.Count == 0)
                    {
                        foreach (var r in group)
                            outcomes[r] = new RelayOutcome(RelayOutcomeKind.Temporary,
                                $"{lookup.Note}: no MX host of {group.Key} ({string.Join(", ", hosts)}) matches the policy; not delivered", "4.7.5", Tls: lookup.Note);
                        continue;
                    }
                    hosts = allowed;
                    tls = new TlsRequirement(true, lookup.Note);
                }
                else
                {
                    tls = new TlsRequirement(false, lookup.Note);
                }
            }
            await SendAsync(hosts.Select(h => (h, _relay.MxPort)).ToList(), tls.RequireValidCertificate ? SecureSocketOptions.StartTls : SecureSocketOptions.StartTlsWhenAvailable,
                acceptAnyCertificate: true, authenticate: false, sender, group.ToList(), mime, dsn, outcomes, ct, tls);
        }
        return outcomes;
    }

    private async Task SendAsync(IReadOnlyList<(string Host, int Port)> hosts, SecureSocketOptions security, bool acceptAnyCertificate, bool authenticate,
        string sender, IReadOnlyList<string> recipients, MimeMessage message, OutboundDsn dsn, Dictionary<string, RelayOutcome> outcomes, CancellationToken ct,
        TlsRequirement? tls = null)
    {
        var error = "no host to try";
        foreach (var (host, port) in hosts)
        {
            using var client = new QueueSmtpClient(dsn) { LocalDomain = _hostname, Timeout = (int)_relay.Timeout.TotalMilliseconds };
            string? certificateProblem = null;
            if (tls is not null)
            {
                // Direct MX delivery: the certificate is judged either way (for the log); only an enforced policy refuses it.
                client.ServerCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    certificateProblem = validator.Check(certificate, chain, errors);
                    return certificateProblem is null || !tls.RequireValidCertificate;
                };
            }
            else if (acceptAnyCertificate)
            {
                client.ServerCertificateValidationCallback = (_, _, _, _) => true;
            }
            try
            {
                if (tls is null)
                    await client.ConnectAsync(host, port, security, ct);
                else
                    await ConnectThroughResolversAsync(client, host, port, security, ct);
                if (authenticate && !string.IsNullOrEmpty(_relay.Username))
                    await client.AuthenticateAsync(_relay.Username, _relay.Password ?? "", ct);
                var from = sender.Length == 0 ? new MailboxAddress("", "") : MailboxAddress.Parse(sender);
                await client.SendAsync(FormatOptions.Default, message, from, recipients.Select(r => MailboxAddress.Parse(r)), ct);
                // Read before disconnecting: MailKit forgets the capabilities then.
                var speaksDsn = (client.Capabilities & SmtpCapabilities.Dsn) != 0;
                var tlsNote = tls is null ? null : TlsNote(tls, client, host, certificateProblem);
                await client.DisconnectAsync(true, ct);
                foreach (var r in recipients)
                    outcomes[r] = client.Rejected.TryGetValue(r, out var rejected)
                        ? Classify(rejected.StatusCode, rejected.Response, host) with { Tls = tlsNote }
                        : new RelayOutcome(RelayOutcomeKind.Delivered, null, "2.0.0", speaksDsn, tlsNote);
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
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or NotSupportedException or DnsClient.DnsResponseException or SslHandshakeException or AuthenticationException
                                          or TimeoutException or ServiceNotConnectedException or (OperationCanceledException and not TaskCanceledException { CancellationToken.IsCancellationRequested: true }))
            {
                if (ct.IsCancellationRequested)
                    throw;
                error = $"{host}:{port}: {e.Message}";
                if (tls is { RequireValidCertificate: true })
                    error = $"{tls.Note}: {host}:{port}: " + (certificateProblem is not null ? certificateProblem
                        : e is NotSupportedException or SmtpProtocolException && !client.IsSecure ? "starttls-not-supported" : e.Message) + "; not delivered";
                logger.LogInformation("Outbound connection to {Host}:{Port} failed: {Error}", host, port, e.Message);
            }
        }
        foreach (var r in recipients)
            outcomes[r] = new RelayOutcome(RelayOutcomeKind.Temporary, error, tls is { RequireValidCertificate: true } ? "4.7.5" : "4.4.1", Tls: tls?.Note);
    }

    /// <summary>The MX host's addresses come from the product's resolvers; TLS still names the host (SNI and the certificate check).</summary>
    private async Task ConnectThroughResolversAsync(SmtpClient client, string host, int port, SecureSocketOptions security, CancellationToken ct)
    {
        var addresses = await mx.ResolveAddressesAsync(host, ct);
        if (addresses.Count == 0)
            throw new SocketException((int)SocketError.HostNotFound);
        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(_relay.Timeout);
                await socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token);
            }
            catch (Exception e) when (e is SocketException || e is OperationCanceledException && !ct.IsCancellationRequested)
            {
                socket.Dispose();
                last = e;
                continue;
            }
            await client.ConnectAsync(socket, host, port, security, ct);
            return;
        }
        throw last is SocketException s ? s : new TimeoutException($"no address of {host} answered");
    }

    private static string TlsNote(TlsRequirement tls, SmtpClient client, string host, string? certificateProblem)
    {
        var channel = !client.IsSecure ? "no TLS (not offered)"
            : certificateProblem is null ? $"TLS ({client.SslProtocol}), certificate valid for {host}"
            : $"TLS ({client.SslProtocol}), certificate not valid: {certificateProblem}";
        return tls.Note.Length == 0 ? channel : $"{tls.Note}; {channel}";
    }

    private static RelayOutcome Classify(SmtpStatusCode code, string text, string host)
    {
        var numeric = (int)code;
        var error = $"{host} said: {numeric} {text}".Trim();
        var enhanced = text.Split(' ', 2)[0];
        var status = enhanced.Length >= 5 && char.IsAsciiDigit(enhanced[0]) && enhanced[1] == '.' ? enhanced : numeric >= 500 ? "5.0.0" : "4.0.0";
        return numeric >= 500 ? new RelayOutcome(RelayOutcomeKind.Permanent, error, status) : new RelayOutcome(RelayOutcomeKind.Temporary, error, status);
    }

    /// <summary>
    /// Records refused recipients instead of giving up on the whole message (MailKit's default), and
    /// passes the entry's DSN parameters on when the next hop offers DSN (RFC 3461 section 6.2.1):
    /// MailKit then sends ENVID and RET at MAIL, NOTIFY and ORCPT (the recipient's own address) at RCPT;
    /// and sends with BDAT when the next hop offers CHUNKING.
    /// </summary>
    private sealed class QueueSmtpClient : SmtpClient
    {
        private readonly OutboundDsn _dsn;

        public QueueSmtpClient(OutboundDsn dsn)
        {
            _dsn = dsn;
            DeliveryStatusNotificationType = dsn.Envelope.Return switch
            {
                DsnReturn.Full => DeliveryStatusNotificationType.Full,
                DsnReturn.Headers => DeliveryStatusNotificationType.HeadersOnly,
                _ => DeliveryStatusNotificationType.Unspecified,
            };
        }

        protected override string? GetEnvelopeId(MimeMessage message) => _dsn.Envelope.EnvelopeId;

        /// <summary>
        /// BDAT whenever the next hop offers CHUNKING (RFC 3030): no dot-stuffing to get wrong on either
        /// side, and no end-of-data sequence for a smuggled message to imitate. MailKit falls back to DATA otherwise.
        /// </summary>
        protected override bool PreferSendAsBinaryData => true;

        protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox)
        {
            if (!_dsn.Recipients.TryGetValue(mailbox.Address, out var dsn) || dsn.Notify == DsnNotify.Default)
                return null;
            if (dsn.Notify == DsnNotify.Never)
                return DeliveryStatusNotification.Never;
            var notify = (DeliveryStatusNotification)0;
            if ((dsn.Notify & DsnNotify.Success) != 0)
                notify |= DeliveryStatusNotification.Success;
            if ((dsn.Notify & DsnNotify.Failure) != 0)
                notify |= DeliveryStatusNotification.Failure;
            if ((dsn.Notify & DsnNotify.Delay) != 0)
                notify |= DeliveryStatusNotification.Delay;
            return notify;
        }

        public Dictionary<string, (SmtpStatusCode StatusCode, string Response)> Rejected { get; } = new(StringComparer.OrdinalIgnoreCase);

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Rejected[mailbox.Address] = (response.StatusCode, response.Response);
    }
}
