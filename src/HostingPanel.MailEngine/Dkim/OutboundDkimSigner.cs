using System.Collections.Concurrent;
using HostingPanel.MailEngine.Outbound;
using DnsClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace HostingPanel.MailEngine.Dkim;

/// <summary>
/// Signs a message leaving through the outbound queue (RFC 6376) when its From domain is hosted here: one signature with
/// each active key, Ed25519-SHA256 (RFC 8463) and RSA-SHA256, relaxed/relaxed. While a rotation is pending, the signer
/// looks (at most once per <c>Mail:Dkim:RotationCheckInterval</c> and domain) whether the new records are in DNS, and switches keys when they are.
/// </summary>
public sealed class OutboundDkimSigner(DkimKeyStore keys, IOptions<RelayOptions> relay, IOptions<DkimOptions> options, TimeProvider time,
    ILogger<OutboundDkimSigner> logger)
{
    /// <summary>The fields signed (RFC 6376 section 5.4.1); none that a relay commonly rewrites.</summary>
    private static readonly HeaderId[] SignedHeaders =
    [
        HeaderId.From, HeaderId.Sender, HeaderId.ReplyTo, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.To, HeaderId.Cc,
        HeaderId.InReplyTo, HeaderId.References, HeaderId.MimeVersion, HeaderId.ContentType, HeaderId.ContentTransferEncoding,
    ];

    private readonly ConcurrentDictionary<string, DateTimeOffset> _rotationChecked = new(StringComparer.Ordinal);
    private readonly Lazy<LookupClient> _dns = new(() =>
    {
        var servers = relay.Value.DnsServers.Select(DnsMxResolver.ParseServer).ToArray();
        var options = servers.Length == 0 ? new LookupClientOptions() : new LookupClientOptions(servers);
        options.UseCache = false;
        options.Timeout = TimeSpan.FromSeconds(3);
        return new LookupClient(options);
    });

    /// <summary>Signs <paramref name="message"/> in place; false when its From domain has no keys here.</summary>
    public async Task<bool> SignAsync(MimeMessage message, CancellationToken ct)
    {
        if (message.From.Mailboxes.FirstOrDefault()?.Domain is not { Length: > 0 } fromDomain)
            return false;
        var domain = Directory.MailDirectory.NormalizeAddress("x@" + fromDomain)?[2..];
        if (domain is null)
            return false;
        await CompleteRotationAsync(domain, ct);
        var active = await keys.SigningKeysAsync(domain, ct);
        if (active.Count == 0)
            return false;
        // Signing covers the bytes as they will be sent: fix the transfer encodings first, so nothing on the way
        // (a relay without 8BITMIME) re-encodes the body after it was hashed.
        message.Prepare(EncodingConstraint.SevenBit);
        foreach (var key in active)
        {
            var signer = new DkimSigner(key.PrivateKey, domain, key.Selector,
                key.Algorithm == DkimAlgorithms.Ed25519 ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256)
            {
                HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
                BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            };
            signer.Sign(message, SignedHeaders);
        }
        return true;
    }

    private async Task CompleteRotationAsync(string domain, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_rotationChecked.TryGetValue(domain, out var last) && now - last < options.Value.RotationCheckInterval)
            return;
        _rotationChecked[domain] = now;
        var pending = (await keys.PublicKeysAsync(domain, ct)).Where(k => k.State == "pending").ToList();
        if (pending.Count == 0)
            return;
        try
        {
            foreach (var key in pending)
            {
                var answer = await _dns.Value.QueryAsync(key.RecordName, QueryType.TXT, cancellationToken: ct);
                var published = answer.Answers.TxtRecords().Select(t => string.Concat(t.Text)).ToList();
                if (!published.Any(p => Same(p, key.RecordValue)))
                    return;
            }
            await keys.PromotePendingAsync(domain, ct);
            logger.LogInformation("DKIM rotation for {Domain} complete: the new records are in DNS", domain);
        }
        catch (DnsResponseException e)
        {
            logger.LogInformation("DKIM rotation check for {Domain} failed: {Error}", domain, e.Message);
        }
    }

    private static bool Same(string a, string b) =>
        string.Join(";", a.Split(';').Select(p => p.Trim())) == string.Join(";", b.Split(';').Select(p => p.Trim()));
}
