using HostingPanel.Application.Dns;
using HostingPanel.Data.Model;

namespace HostingPanel.Application.Domains;

/// <summary>Looks up a domain's verification TXT record through the configured resolvers and marks it verified when found.</summary>
public sealed class DomainVerifier(IDnsLookup dns)
{
    /// <summary>True when this lookup verified the domain (the caller records and provisions it). A failed lookup changes nothing.</summary>
    public async Task<bool> CheckAsync(Domain domain, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        domain.MarkVerificationChecked(now);
        if (domain.IsVerified) return false;
        var record = DomainVerification.RecordFor(domain.Name, domain.VerificationToken);
        var found = await dns.LookupAsync(record.Name, "TXT", ct);
        if (found.Outcome != DnsLookupOutcome.Found || !DomainVerification.Matches(found.Values, domain.VerificationToken)) return false;
        domain.MarkVerified(now);
        return true;
    }
}
