using HostingPanel.Application.Common;
using HostingPanel.Application.Domains;
using HostingPanel.Web.Features.Shared;

namespace HostingPanel.Web.Features.Domains;

/// <summary>Every record a domain in the caller's scope needs, each checked live: the domain page and <c>GET /api/v1/domains/{domain}/dns</c>.</summary>
public sealed class DomainDnsReport(DomainService domains, DnsRecordCheck check, IConfiguration configuration, IDkimRecordSource dkim)
{
    public async Task<ServiceResult<IReadOnlyList<CheckedDnsRecord>>> ForAsync(string name, CancellationToken ct)
    {
        var domain = await domains.GetAsync(name, ct);
        if (!domain.Succeeded) return domain.Failure!;
        return (await ForAsync(domain.Value!, ct)).ToList();
    }

    public async Task<IReadOnlyList<CheckedDnsRecord>> ForAsync(DomainView domain, CancellationToken ct) =>
        await check.CheckAsync(await RecordsAsync(domain, ct), ct);

    /// <summary>The records without looking anything up (the domain page until the user asks for the check).</summary>
    public async Task<IReadOnlyList<DnsRecord>> RecordsAsync(DomainView domain, CancellationToken ct) =>
        DnsRecords.For(domain, MailServers.From(configuration), await dkim.RecordsAsync(domain.Name, ct));
}

/// <summary>The DKIM key records of a domain (none until the engine has keys for it).</summary>
public interface IDkimRecordSource
{
    Task<IReadOnlyList<DnsRecord>> RecordsAsync(string domain, CancellationToken ct);
}

/// <summary>Where no mail engine runs in this process (a portal-only node) or no key exists: no DKIM records.</summary>
public sealed class NoDkimRecords : IDkimRecordSource
{
    public Task<IReadOnlyList<DnsRecord>> RecordsAsync(string domain, CancellationToken ct) => Task.FromResult<IReadOnlyList<DnsRecord>>([]);
}
