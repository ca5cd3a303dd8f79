using DnsClient;
using DnsClient.Protocol;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace HostingPanel.MailEngine.Outbound.Backscatter;

/// <summary>DKIM public keys (RFC 6376 section 3.6.2.2) looked up as TXT at <c>selector._domainkey.domain</c> through the configured resolvers.</summary>
internal sealed class DnsDkimPublicKeyLocator(LookupClient client) : DkimPublicKeyLocatorBase
{
    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        if (!methods.Split(':').Contains("dns/txt", StringComparer.OrdinalIgnoreCase))
            throw new NotSupportedException($"DKIM key query methods '{methods}' are not supported");
        var response = await client.QueryAsync($"{selector}._domainkey.{domain}.", QueryType.TXT, QueryClass.IN, cancellationToken);
        var txt = response.Answers.OfType<TxtRecord>().Select(r => string.Concat(r.Text)).FirstOrDefault(t => t.Contains("p=", StringComparison.Ordinal))
            ?? throw new ArgumentException($"no DKIM key at {selector}._domainkey.{domain}");
        return GetPublicKey(txt);
    }
}
