using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Certificates;

/// <summary>
/// Per-domain certificates on request: the domain's tenant asks for <c>mail.{domain}</c>, the ACME renewal loop issues
/// and renews it, and every TLS listener serves it by SNI. Only for verified domains: a CA would issue for a name that
/// merely points here, so the product must not let a tenant ask for a name it has not proven (a certificate for
/// another tenant's or an outside name would let it impersonate that server to mail clients).
/// </summary>
public sealed class DomainCertificateService(
    HostingPanelDbContext db, IActorAccessor actorAccessor, ChangeRecorder recorder, UnitOfWork unitOfWork, IDomainCertificateIssuer issuer)
{
    /// <summary>The label in front of the domain: the host name autoconfig and the setup page give mail clients.</summary>
    public const string HostLabel = "mail";

    private Actor Actor => actorAccessor.Actor;

    public static string HostNameOf(string domain) => $"{HostLabel}.{domain}";

    public async Task<ServiceResult<DomainCertificateView>> GetAsync(string name, CancellationToken ct = default)
    {
        var domain = await FindAsync(name, ct);
        return domain is null ? Failure.NotFound("The domain") : ViewOf(domain);
    }

    public async Task<ServiceResult<DomainCertificateView>> RequestAsync(string name, CancellationToken ct = default)
    {
        if (!Actor.CanManageDomains()) return Failure.NotFound("The domain");
        var domain = await FindAsync(name, ct);
        if (domain is null) return Failure.NotFound("The domain");
        if (!issuer.Enabled)
            return Failure.Conflict("certificate", "This server does not get certificates from a certificate authority (the operator has not enabled ACME); the server's own certificate serves your domain.");
        if (!domain.IsVerified)
            return Failure.Conflict("certificate", $"Verify {domain.Name} first: a certificate is issued only for a domain proven to be yours.");
        if (domain.Status == EntityStatus.Suspended)
            return Failure.Conflict("certificate", $"{domain.Name} is suspended.");
        if (domain.CertificateRequestedAt is null)
        {
            domain.RequestCertificate(DateTimeOffset.UtcNow);
            recorder.Record("domain.certificate.request", OutboxEntityType.Domain, domain.Id, domain.Name, domain.CustomerId, domain.Customer!.ResellerId,
                $"a certificate for {HostNameOf(domain.Name)}", provision: false);
            if (await unitOfWork.CommitAsync("certificate", ct) is { } failure) return failure;
            issuer.Wake();
        }
        return ViewOf(domain);
    }

    /// <summary>Stops renewing: the certificate held is served until it expires or the node restarts, then the server's.</summary>
    public async Task<ServiceResult<DomainCertificateView>> WithdrawAsync(string name, CancellationToken ct = default)
    {
        if (!Actor.CanManageDomains()) return Failure.NotFound("The domain");
        var domain = await FindAsync(name, ct);
        if (domain is null) return Failure.NotFound("The domain");
        if (domain.CertificateRequestedAt is not null)
        {
            domain.WithdrawCertificate();
            recorder.Record("domain.certificate.withdraw", OutboxEntityType.Domain, domain.Id, domain.Name, domain.CustomerId, domain.Customer!.ResellerId,
                $"no more renewals for {HostNameOf(domain.Name)}", provision: false);
            if (await unitOfWork.CommitAsync("certificate", ct) is { } failure) return failure;
            issuer.Wake();
        }
        return ViewOf(domain);
    }

    /// <summary>Through the tenancy filters: another tenant's domain is not found, as if it did not exist.</summary>
    private async Task<Domain?> FindAsync(string name, CancellationToken ct)
    {
        if (!Actor.CanSeeDomains() || !DomainName.TryParse(name, out var dn, out _)) return null;
        return await db.Domains.Include(d => d.Customer).FirstOrDefaultAsync(d => d.Name == dn!.Value && d.Status != EntityStatus.Deleting, ct);
    }

    private DomainCertificateView ViewOf(Domain domain)
    {
        var host = HostNameOf(domain.Name);
        var state = issuer.StateOf(host);
        var status = domain.CertificateRequestedAt is null ? "none"
            : state?.NotAfter is not null ? "issued"
            : state?.LastError is not null ? "failed"
            : "requested";
        return new DomainCertificateView(domain.Name, host, status, domain.CertificateRequestedAt, state?.NotBefore, state?.NotAfter,
            domain.CertificateRequestedAt is null ? null : state?.LastError, state?.RetryAt, issuer.Enabled);
    }
}
