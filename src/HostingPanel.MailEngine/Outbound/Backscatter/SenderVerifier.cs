using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Spf;
using DnsClient;
using HostingPanel.MailEngine.Directory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace HostingPanel.MailEngine.Outbound.Backscatter;

/// <summary>Whether an envelope sender may get a delivery status notification, and why.</summary>
public sealed record SenderVerdict(bool Verified, string Reason);

/// <summary>
/// Decides whether the envelope sender of a message nobody authenticated is real, so that a delivery status
/// notification never goes to a forged address (backscatter, RFC 3834 section 2 and RFC 5321 section 6.2's
/// warning): the sender's SPF record (RFC 7208) passes for the client that gave it to us, or the message carries a
/// valid DKIM signature (RFC 6376) whose d= is the sender's domain or a parent of it (DMARC's relaxed alignment,
/// RFC 7489 section 3.1.1, without a public-suffix list). Everything else, temporary DNS errors included, is
/// "not verified". Lookups go through the configured resolvers (<c>Dns:Servers</c>, else <c>Mail:Relay:DnsServers</c>).
/// </summary>
public sealed class SenderVerifier
{
    private const int MaxSignaturesTried = 5;
    private static readonly ParserOptions Parser = CreateParser();

    private readonly IDnsResolver _spfResolver;
    private readonly DkimVerifier _dkim;
    private readonly DomainName? _localDomain;
    private readonly ILogger<SenderVerifier> _logger;

    public SenderVerifier(IOptions<RelayOptions> relay, IOptions<Hosting.MailEngineOptions> engine, ILogger<SenderVerifier> logger)
    {
        _logger = logger;
        var servers = relay.Value.DnsServers.Select(DnsMxResolver.ParseServer).ToList();
        if (servers.Count == 0)
        {
            _spfResolver = new DnsStubResolver();
            _dkim = new DkimVerifier(new DnsDkimPublicKeyLocator(new LookupClient(new LookupClientOptions { UseCache = false, Timeout = TimeSpan.FromSeconds(3) })));
        }
        else
        {
            // ARSoft's client takes one port for all its servers: the first server's (test resolvers listen on a port of their own).
            var port = servers[0].Port;
            var client = new ARSoft.Tools.Net.Dns.DnsClient(servers.Select(s => s.Address),
                [new UdpClientTransport(port), new TcpClientTransport(port)], false, 3000);
            _spfResolver = new DnsStubResolver(client);
            _dkim = new DkimVerifier(new DnsDkimPublicKeyLocator(new LookupClient(new LookupClientOptions(servers.ToArray()) { UseCache = false, Timeout = TimeSpan.FromSeconds(3) })));
        }
        _localDomain = DomainName.TryParse(engine.Value.Hostname, out var local) ? local : null;
    }

    public async Task<SenderVerdict> VerifyAsync(MessageOrigin origin, ReadOnlyMemory<byte> message, CancellationToken ct)
    {
        var sender = origin.MailFrom;
        var at = sender.LastIndexOf('@');
        if (at <= 0 || at == sender.Length - 1)
            return new SenderVerdict(false, "the sender has no domain");
        var domain = sender[(at + 1)..].ToLowerInvariant();
        var spf = await SpfAsync(origin, domain, ct);
        if (spf == SpfQualifier.Pass)
            return new SenderVerdict(true, $"SPF pass for {origin.ClientAddress}");
        if (await AlignedDkimAsync(domain, message, ct) is { } signer)
            return new SenderVerdict(true, $"DKIM signature of {signer} verified");
        return new SenderVerdict(false, $"SPF {spf.ToString().ToLowerInvariant()} for {origin.ClientAddress} and no valid DKIM signature aligned with {domain}");
    }

    private async Task<SpfQualifier> SpfAsync(MessageOrigin origin, string domain, CancellationToken ct)
    {
        if (!IPAddress.TryParse(origin.ClientAddress, out var ip) || !DomainName.TryParse(domain, out var senderDomain))
            return SpfQualifier.None;
        try
        {
            var validator = new SpfValidator
            {
                DnsResolver = _spfResolver,
                HeloDomain = DomainName.TryParse(origin.Helo, out var helo) ? helo : null,
                LocalDomain = _localDomain,
            };
            if (ip.IsIPv4MappedToIPv6)
                ip = ip.MapToIPv4();
            return (await validator.CheckHostAsync(ip, senderDomain!, origin.MailFrom, false, ct)).Result;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogInformation(e, "SPF check of {Domain} failed", Protocol.Smtp.SmtpText.Escape(domain));
            return SpfQualifier.TempError;
        }
    }

    /// <summary>The d= of a valid DKIM signature aligned with <paramref name="domain"/>, or null.</summary>
    private async Task<string?> AlignedDkimAsync(string domain, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        // No signature, no parse; an oversized header field would make MimeKit's parser slow (MessageHeaderLimit).
        if (!HasDkimSignature(bytes.Span) || Protocol.MessageHeaderLimit.HasOversizedField(bytes))
            return null;
        MimeMessage message;
        try
        {
            message = await MimeMessage.LoadAsync(Parser, new MemoryStream(bytes.ToArray(), writable: false), ct);
        }
        catch (FormatException)
        {
            return null;
        }
        var tried = 0;
        foreach (var header in message.Headers.Where(h => h.Id == HeaderId.DkimSignature))
        {
            var signer = Tag(header.Value, "d");
            if (signer is null || !Aligned(domain, signer.ToLowerInvariant()))
                continue;
            if (++tried > MaxSignaturesTried)
                break;
            try
            {
                if (await _dkim.VerifyAsync(message, header, ct))
                    return signer.ToLowerInvariant();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogDebug(e, "DKIM signature of {Signer} not verified", Protocol.Smtp.SmtpText.Escape(signer));
            }
        }
        return null;
    }

    private static bool HasDkimSignature(ReadOnlySpan<byte> message)
    {
        var end = message.IndexOf("\r\n\r\n"u8);
        var head = message[..(end < 0 ? Math.Min(message.Length, 1024 * 1024) : end)];
        return System.Text.Encoding.ASCII.GetString(head).Contains("\ndkim-signature:", StringComparison.OrdinalIgnoreCase)
            || head.StartsWith("DKIM-Signature:"u8);
    }

    /// <summary>Relaxed alignment: the signing domain is the sender's domain or a parent of it (never a bare top-level label).</summary>
    internal static bool Aligned(string senderDomain, string signer) =>
        signer.Contains('.') && (senderDomain == signer || senderDomain.EndsWith("." + signer, StringComparison.Ordinal));

    private static string? Tag(string value, string name)
    {
        foreach (var part in value.Split(';'))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && part[..eq].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                return new string(part[(eq + 1)..].Where(c => !char.IsWhiteSpace(c)).ToArray());
        }
        return null;
    }

    private static ParserOptions CreateParser()
    {
        var options = ParserOptions.Default.Clone();
        options.MaxMimeDepth = 32;
        return options;
    }
}
