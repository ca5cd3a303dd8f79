using HostingPanel.Application.Common;
using HostingPanel.Application.Domains;
using HostingPanel.Data;
using HostingPanel.MailEngine.Admin;

namespace HostingPanel.Web.Features.Domains;

/// <summary>The DKIM records of a domain, from the mail engine in this process (the node runs the Mail role).</summary>
public sealed class EngineDkimRecords(IMailEngineAdmin engine) : IDkimRecordSource
{
    public async Task<IReadOnlyList<DnsRecord>> RecordsAsync(string domain, CancellationToken ct) =>
        (await engine.GetDkimKeysAsync(domain, ct)).Select(k => new DnsRecord(
            k.RecordName + ".", "TXT", k.RecordValue,
            (k.Algorithm == HostingPanel.MailEngine.Dkim.DkimAlgorithms.Ed25519 ? "DKIM Ed25519 key (RFC 8463)" : "DKIM RSA 2048 key")
            + (k.State == "pending" ? ": new key of a rotation; mail is signed with it once this record is published" : ": outgoing mail is signed with it"),
            DnsRecords.DkimKind)).ToList();
}

/// <summary>Starts a DKIM key rotation for a domain in the caller's scope (those who manage domains), audited.</summary>
public sealed class DkimRotation(DomainService domains, IActorAccessor actor, IServiceProvider services, ChangeRecorder recorder, HostingPanelDbContext db)
{
    public async Task<ServiceResult<DomainView>> RotateAsync(string name, CancellationToken ct)
    {
        if (!actor.Actor.CanManageDomains()) return Failure.NotFound("The domain");
        var domain = await domains.GetAsync(name, ct);
        if (!domain.Succeeded) return domain.Failure!;
        // Only a node with the Mail role holds the keys.
        if (services.GetService<IMailEngineAdmin>() is not { } engine) return Failure.NotFound("The domain");
        await engine.RotateDkimKeysAsync(domain.Value!.Name, ct);
        recorder.Audit("domain.dkim-rotate", "Domain", domain.Value.Name, "new DKIM keys pending until their records are in DNS");
        await db.SaveChangesAsync(ct);
        return domain.Value;
    }
}
