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
/// <param name="VerifiedTls">Delivered over TLS whose certificate was authenticated by DANE or an enforced MTA-STS policy.</param>
public sealed record RelayOutcome(RelayOutcomeKind Kind, string? Error = null, string Status = "4.0.0", bool NextHopSpeaksDsn = false, string? Tls = null,
    bool VerifiedTls = false);

/// <summary>
/// How one MX host is to be reached: the TLS rule and what to write in the log about it. <paramref name="Tlsa"/> set:
/// DANE (RFC 7672), TLS is mandatory and the certificate must match one of the records (none usable: any certificate).
/// </summary>
internal sealed record TlsRequirement(bool RequireValidCertificate, string Note, IReadOnlyList<ARSoft.Tools.Net.Dns.TlsaRecord>? Tlsa = null)
{
    public static readonly TlsRequirement Opportunistic = new(false, "");

    /// <summary>No plaintext fallback: a missing STARTTLS or a failed check defers the mail.</summary>
    public bool Mandatory => RequireValidCertificate || Tlsa is not null;
}

/// <summary>
/// What the message's sender asked of TLS (RFC 8689): <see cref="RequireTls"/> from MAIL FROM's REQUIRETLS, or
/// <see cref="PoliciesWaived"/> from a <c>TLS-Required: No</c> header field (section 5), which REQUIRETLS overrides.
/// </summary>
internal sealed record TlsWish(bool RequireTls, bool PoliciesWaived)
{
    public static TlsWish Of(DsnEnvelope envelope, MimeMessage message) =>
        new(envelope.RequireTls, !envelope.RequireTls && message.Headers.Any(h => h.Field.Equals("TLS-Required", StringComparison.OrdinalIgnoreCase)
                                                                              && h.Value.Trim().Equals("No", StringComparison.OrdinalIgnoreCase)));
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
    Dkim.OutboundDkimSigner dkim, ILogger<OutboundRelay> logger, MtaSts.MtaStsPolicySource mtaSts, OutboundTlsValidator validator,
    Dane.DanePolicySource dane)
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
        var tlsWish = TlsWish.Of(dsn.Envelope, mime);
        if (!string.IsNullOrWhiteSpace(_relay.Host))
        {
            var security = _relay.Security switch
            {
                RelaySecurity.None => SecureSocketOptions.None,
                RelaySecurity.StartTls => SecureSocketOptions.StartTls,
                RelaySecurity.Tls => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.StartTlsWhenAvailable,
            };
            if (tlsWish.RequireTls && security is not (SecureSocketOptions.SslOnConnect or SecureSocketOptions.StartTls))
                security = SecureSocketOptions.StartTls;
            // REQUIRETLS: the smarthost's certificate must chain (no AcceptAnyCertificate), and it must offer REQUIRETLS.
            await SendAsync([(_relay.Host!, _relay.Port, null)], security, _relay.AcceptAnyCertificate && !tlsWish.RequireTls, authenticate: true, sender, recipients, mime, dsn,
                outcomes, ct, tlsWish.RequireTls);
            // MTA-STS (RFC 8461 section 5) and DANE (RFC 7672 section 2.2) judge the destination's MX hosts; through a
            // smarthost the product never meets them, so it cannot apply either. The smarthost's own TLS is set by
            // Mail:Relay:Security; the log says so, so nobody believes a policy was enforced.
            var note = $"MTA-STS and DANE: not applied (sent through the smarthost {_relay.Host}, which delivers to the MX hosts; TLS to it: {_relay.Security})";
            foreach (var r in recipients)
                if (outcomes.TryGetValue(r, out var outcome))
                    outcomes[r] = outcome with { Tls = outcome.Tls is { Length: > 0 } t ? note + "; " + t : note };
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
            var targets = await TargetsAsync(group.Key, hosts, group.ToList(), outcomes, tlsWish, ct);
            if (targets is null)
                continue;
            await SendAsync(targets, SecureSocketOptions.StartTlsWhenAvailable, acceptAnyCertificate: true, authenticate: false, sender, group.ToList(), mime, dsn, outcomes, ct,
                tlsWish.RequireTls);
        }
        return outcomes;
    }

    /// <summary>
    /// The MX hosts of one domain to try, each with its TLS rule: DANE where the domain's DNS is signed and publishes
    /// TLSA records (it takes precedence over MTA-STS, RFC 8461 section 2), else the domain's MTA-STS policy, else
    /// opportunistic TLS. Null when nothing may be tried; the recipients' outcomes are then set.
    /// </summary>
    private async Task<List<(string Host, int Port, TlsRequirement? Tls)>?> TargetsAsync(string domain, IReadOnlyList<string> hosts, IReadOnlyList<string> recipients,
        Dictionary<string, RelayOutcome> outcomes, TlsWish wish, CancellationToken ct)
    {
        if (wish.PoliciesWaived)
        {
            // RFC 8689 section 5: the sender asked for delivery even where the recipient domain's policy would refuse it.
            var waived = new TlsRequirement(false, "TLS-Required: No: MTA-STS and DANE not applied at the sender's request (RFC 8689 section 5)");
            return hosts.Select(h => (h, _relay.MxPort, (TlsRequirement?)waived)).ToList();
        }
        void Defer(string error, string note)
        {
            foreach (var r in recipients)
                outcomes[r] = new RelayOutcome(RelayOutcomeKind.Temporary, error + "; not delivered", "4.7.5", Tls: note);
        }
        var daneDomain = await dane.GetAsync(domain, hosts, ct);
        if (daneDomain.Failure is not null)
        {
            Defer(daneDomain.Failure, daneDomain.Note);
            return null;
        }
        if (daneDomain.Hosts is not null)
            hosts = daneDomain.Hosts.Select(h => h.Host).ToList();
        var tls = new TlsRequirement(false, daneDomain.Note);
        if (daneDomain.Applies)
        {
            tls = new TlsRequirement(false, Join(daneDomain.Note, "MTA-STS: not consulted (DANE applies, RFC 8461 section 2)"));
        }
        else if (_relay.MtaSts)
        {
            // RFC 8461 section 5: an enforced policy limits delivery to its MX hosts, over TLS with a valid certificate.
            var lookup = await mtaSts.GetAsync(domain, ct);
            var note = Join(daneDomain.Note, lookup.Note);
            // RFC 8689 section 4.2.1: for a REQUIRETLS message a testing policy is honoured as if it were enforced.
            if (lookup.Enforced || wish.RequireTls && lookup.Policy is { Mode: MtaSts.MtaStsMode.Testing })
            {
                var allowed = hosts.Where(h => lookup.Policy!.Matches(h)).ToList();
                if (allowed.Count == 0)
                {
                    Defer($"{lookup.Note}: no MX host of {domain} ({string.Join(", ", hosts)}) matches the policy", note);
                    return null;
                }
                hosts = allowed;
                tls = new TlsRequirement(true, note);
            }
            else
            {
                tls = new TlsRequirement(false, note);
            }
        }
        var targets = new List<(string Host, int Port, TlsRequirement? Tls)>();
        var refused = new List<string>();
        foreach (var host in hosts)
        {
            var daneHost = daneDomain.Hosts?.FirstOrDefault(h => h.Host.Equals(host, StringComparison.OrdinalIgnoreCase));
            if (daneHost?.Unusable is { } unusable)
                refused.Add($"{host}: {unusable}");
            else if (daneHost?.Tlsa is { } tlsa)
                targets.Add((host, _relay.MxPort, new TlsRequirement(false, tls.Note, tlsa)));
            else
                targets.Add((host, _relay.MxPort, tls));
        }
        if (targets.Count == 0 && refused.Count > 0)
        {
            Defer("DANE: every MX host of " + domain + " refused: " + string.Join("; ", refused), tls.Note);
            return null;
        }
        if (wish.RequireTls)
        {
            // RFC 8689 section 4.2.1: only to MX hosts whose TLS can be verified, by DANE or MTA-STS; none: returned.
            targets = targets.Where(t => t.Tls is { Tlsa.Count: > 0 } or { RequireValidCertificate: true }).ToList();
            if (targets.Count == 0)
            {
                foreach (var r in recipients)
                    outcomes[r] = new RelayOutcome(RelayOutcomeKind.Permanent,
                        $"REQUIRETLS: no MX host of {domain} can be verified (no DNSSEC-signed TLSA records, no MTA-STS policy); returned to the sender", "5.7.30",
                        Tls: tls.Note);
                return null;
            }
        }
        return targets;
    }

    private static string Join(string first, string second) => first.Length == 0 ? second : second.Length == 0 ? first : first + "; " + second;

    private async Task SendAsync(IReadOnlyList<(string Host, int Port, TlsRequirement? Tls)> hosts, SecureSocketOptions security, bool acceptAnyCertificate, bool authenticate,
        string sender, IReadOnlyList<string> recipients, MimeMessage message, OutboundDsn dsn, Dictionary<string, RelayOutcome> outcomes, CancellationToken ct,
        bool requireTls = false)
    {
        var error = "no host to try";
        var mandatoryFailed = false;
        string? lastNote = null;
        foreach (var (host, port, tls) in hosts)
        {
            lastNote = tls?.Note;
            using var client = new QueueSmtpClient(dsn) { LocalDomain = _hostname, Timeout = (int)_relay.Timeout.TotalMilliseconds, RequireTLS = requireTls };
            string? certificateProblem = null;
            if (tls is not null)
            {
                // Direct MX delivery: the certificate is judged either way (for the log); only an enforced policy refuses it.
                client.ServerCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    if (tls.Tlsa is not null)
                    {
                        // DANE: the TLSA records, not the Web PKI, decide (RFC 7672 section 3); none usable: encrypt only.
                        certificateProblem = tls.Tlsa.Count == 0 ? null : Dane.TlsaMatcher.Check(certificate, chain, errors, tls.Tlsa);
                        return certificateProblem is null;
                    }
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
                    await ConnectThroughResolversAsync(client, host, port, tls.Mandatory ? SecureSocketOptions.StartTls : security, ct);
                if (requireTls && (!client.IsSecure || (client.Capabilities & SmtpCapabilities.RequireTLS) == 0))
                {
                    // RFC 8689 section 4.2.1: the next hop must promise to keep the requirement; MailKit would just leave the keyword out.
                    var note = tls is null ? null : TlsNote(tls, client, host, certificateProblem);
                    await client.DisconnectAsync(true, ct);
                    foreach (var r in recipients)
                        outcomes[r] = new RelayOutcome(RelayOutcomeKind.Permanent,
                            $"REQUIRETLS: {host} does not offer REQUIRETLS; returned to the sender", "5.7.30", Tls: note);
                    return;
                }
                if (authenticate && !string.IsNullOrEmpty(_relay.Username))
                    await client.AuthenticateAsync(_relay.Username, _relay.Password ?? "", ct);
                var from = sender.Length == 0 ? new MailboxAddress("", "") : MailboxAddress.Parse(sender);
                await client.SendAsync(FormatOptions.Default, message, from, recipients.Select(r => MailboxAddress.Parse(r)), ct);
                // Read before disconnecting: MailKit forgets the capabilities then.
                var speaksDsn = (client.Capabilities & SmtpCapabilities.Dsn) != 0;
                var tlsNote = tls is null ? null : TlsNote(tls, client, host, certificateProblem);
                var verified = tls is not null && client.IsSecure && certificateProblem is null && (tls.RequireValidCertificate || tls.Tlsa is { Count: > 0 });
                await client.DisconnectAsync(true, ct);
                foreach (var r in recipients)
                    outcomes[r] = client.Rejected.TryGetValue(r, out var rejected)
                        ? Classify(rejected.StatusCode, rejected.Response, host) with { Tls = tlsNote }
                        : new RelayOutcome(RelayOutcomeKind.Delivered, null, "2.0.0", speaksDsn, tlsNote, verified);
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
                mandatoryFailed = tls is { Mandatory: true };
                if (mandatoryFailed)
                    error = $"{tls!.Note}: {host}:{port}: " + (certificateProblem is not null ? certificateProblem
                        : e is NotSupportedException or SmtpProtocolException && !client.IsSecure ? "starttls-not-supported" : e.Message) + "; not delivered";
                logger.LogInformation("Outbound connection to {Host}:{Port} failed: {Error}", host, port, e.Message);
            }
        }
        foreach (var r in recipients)
            outcomes[r] = new RelayOutcome(RelayOutcomeKind.Temporary, error, mandatoryFailed ? "4.7.5" : "4.4.1", Tls: lastNote);
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
            : tls.Tlsa is { Count: 0 } ? $"TLS ({client.SslProtocol}), not authenticated (no usable TLSA record)"
            : tls.Tlsa is not null && certificateProblem is null ? $"TLS ({client.SslProtocol}), certificate matches a DNSSEC-validated TLSA record of {host}"
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
