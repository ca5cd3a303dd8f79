using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Domains;

/// <summary>Domains of the actor's tenants: list, read, create inside the plan, delete (recoverable).</summary>
public sealed class DomainService(
    HostingPanelDbContext db,
    IActorAccessor actorAccessor,
    IValidator<CreateDomainInput> validator,
    ChangeRecorder recorder,
    UnitOfWork unitOfWork,
    DomainVerifier verifier,
    Microsoft.Extensions.Options.IOptions<DomainOptions> options)
{
    private Actor Actor => actorAccessor.Actor;

    public async Task<Page<DomainView>> ListAsync(PageRequest page, Guid? customerId = null, CancellationToken ct = default)
    {
        if (!Actor.CanSeeDomains()) return new Page<DomainView>([], 0, page.SafePage, page.SafePageSize);
        var query = db.Domains.Where(d => d.Status != EntityStatus.Deleting);
        if (customerId is { } c) query = query.Where(d => d.CustomerId == c);
        if (page.Term is { } term) query = query.Where(d => d.Name.Contains(term) || d.Customer!.Name.ToLower().Contains(term));
        var total = await query.CountAsync(ct);
        var rows = await Project(query.OrderBy(d => d.Name).Skip(page.Skip).Take(page.SafePageSize)).ToListAsync(ct);
        return new Page<DomainView>(await ToViewsAsync(rows, ct), total, page.SafePage, page.SafePageSize);
    }

    public async Task<ServiceResult<DomainView>> GetAsync(string name, CancellationToken ct = default)
    {
        if (!Actor.CanSeeDomains() || !DomainName.TryParse(name, out var dn, out _)) return Failure.NotFound("The domain");
        var row = await Project(db.Domains.Where(d => d.Name == dn!.Value && d.Status != EntityStatus.Deleting)).FirstOrDefaultAsync(ct);
        return row is null ? Failure.NotFound("The domain") : (await ToViewsAsync([row], ct))[0];
    }

    public async Task<ServiceResult<DomainView>> CreateAsync(CreateDomainInput input, CancellationToken ct = default)
    {
        if (!Actor.CanManageDomains()) return Failure.NotFound("The customer");
        // A customer names no other owner: another customer's id is outside its scope, so "not found", never ignored.
        if (Actor.IsCustomer && input.CustomerId is { } asked && asked != Actor.CustomerId) return Failure.NotFound("The customer");
        var validation = await validator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        var name = DomainName.Parse(input.Name!);

        var customerId = Actor.IsCustomer ? Actor.CustomerId : input.CustomerId;
        if (customerId is null) return Failure.Invalid(nameof(input.CustomerId), "Choose the customer that owns the domain.");
        var customer = await db.Customers.FirstOrDefaultAsync(c => c.Id == customerId && c.DeletedAt == null, ct);
        if (customer is null) return Failure.NotFound("The customer");

        if (await OwnershipConflictAsync(name, customer.Id, ct) is { } conflict)
            return Failure.Conflict(nameof(input.Name), conflict);

        var violation = customer.AllocateDomain(await UsageQueries.PlanUsageAsync(db, customer.Id, ct));
        if (violation is not null) return Failure.Limit(violation, nameof(input.Name));

        var domain = new Domain(customer.Id, name);
        db.Domains.Add(domain);
        recorder.Record("domain.create", OutboxEntityType.Domain, domain.Id, domain.Name, customer.Id, customer.ResellerId);
        if (await unitOfWork.CommitAsync(nameof(input.Name), ct) is { } failure) return failure;
        return (await GetAsync(domain.Name, ct)).Value!;
    }

    /// <summary>
    /// Domain names are unique across every tenant, also while a deleted one is in its grace period; and a name above or
    /// below one that another customer holds is theirs to add, not anyone else's (mail to sub.example.com is example.com's).
    /// </summary>
    private async Task<string?> OwnershipConflictAsync(DomainName name, Guid customerId, CancellationToken ct)
    {
        var value = name.Value;
        if (await db.Domains.IgnoreQueryFilters().AnyAsync(d => d.Name == value, ct))
            return DomainOwnershipMessages.Taken(value);
        var labels = value.Split('.');
        var parents = Enumerable.Range(1, labels.Length - 1).Select(i => string.Join('.', labels[i..])).ToList();
        var parent = await db.Domains.IgnoreQueryFilters()
            .Where(d => d.CustomerId != customerId && parents.Contains(d.Name)).Select(d => d.Name).FirstOrDefaultAsync(ct);
        if (parent is not null) return DomainOwnershipMessages.UnderAnother(value, parent);
        var suffix = "." + value;
        var child = await db.Domains.IgnoreQueryFilters()
            .Where(d => d.CustomerId != customerId && d.Name.EndsWith(suffix)).OrderBy(d => d.Name).Select(d => d.Name).FirstOrDefaultAsync(ct);
        return child is null ? null : DomainOwnershipMessages.AboveAnother(value, child);
    }

    /// <summary>Looks the domain's TXT record up now; verified when found. Unverified stays so (no error) when it is not.</summary>
    public async Task<ServiceResult<DomainView>> VerifyAsync(string name, CancellationToken ct = default)
    {
        if (!Actor.CanSeeDomains() || Actor.IsMailboxUser || !DomainName.TryParse(name, out var dn, out _)) return Failure.NotFound("The domain");
        var domain = await db.Domains.Include(d => d.Customer).FirstOrDefaultAsync(d => d.Name == dn!.Value && d.Status != EntityStatus.Deleting, ct);
        if (domain is null) return Failure.NotFound("The domain");
        if (!domain.IsVerified && await verifier.CheckAsync(domain, ct))
            RecordVerified(domain, "the TXT record was found");
        if (await unitOfWork.CommitAsync("name", ct) is { } failure) return failure;
        return (await GetAsync(domain.Name, ct)).Value!;
    }

    /// <summary>An admin vouches for the domain without the DNS record (audited, with who did it).</summary>
    public async Task<ServiceResult<DomainView>> VerifyByHandAsync(string name, CancellationToken ct = default)
    {
        if (!Actor.IsAdmin || !DomainName.TryParse(name, out var dn, out _)) return Failure.NotFound("The domain");
        var domain = await db.Domains.Include(d => d.Customer).FirstOrDefaultAsync(d => d.Name == dn!.Value && d.Status != EntityStatus.Deleting, ct);
        if (domain is null) return Failure.NotFound("The domain");
        if (!domain.IsVerified)
        {
            domain.MarkVerified(DateTimeOffset.UtcNow);
            RecordVerified(domain, $"verified by hand by {Actor.Name}, without the DNS record");
        }
        if (await unitOfWork.CommitAsync("name", ct) is { } failure) return failure;
        return (await GetAsync(domain.Name, ct)).Value!;
    }

    /// <summary>Audits the verification and queues it for the engine (which then delivers every tenant's mail locally).</summary>
    public void RecordVerified(Domain domain, string how) =>
        recorder.Record("domain.verify", OutboxEntityType.Domain, domain.Id, domain.Name, domain.CustomerId, domain.Customer!.ResellerId, how);

    /// <summary>Deletes a domain: everything in it stops receiving and logging in at once; mail is kept for the grace period.</summary>
    public async Task<ServiceResult<Done>> DeleteAsync(string name, CancellationToken ct = default)
    {
        if (!Actor.CanManageDomains() || !DomainName.TryParse(name, out var dn, out _)) return Failure.NotFound("The domain");
        var domain = await db.Domains.Include(d => d.Customer)
            .FirstOrDefaultAsync(d => d.Name == dn!.Value && d.Status != EntityStatus.Deleting, ct);
        if (domain is null) return Failure.NotFound("The domain");

        var now = DateTimeOffset.UtcNow;
        domain.MarkDeleted(now);
        foreach (var mailbox in await db.Mailboxes.Where(m => m.DomainId == domain.Id && m.Status != EntityStatus.Deleting).ToListAsync(ct))
            mailbox.MarkDeleted(now);
        recorder.Record("domain.delete", OutboxEntityType.Domain, domain.Id, domain.Name, domain.CustomerId, domain.Customer!.ResellerId);
        if (await unitOfWork.CommitAsync("name", ct) is { } failure) return failure;
        return new Done();
    }

    /// <summary>
    /// Domains the caller deleted or may restore, still in their grace period (most recent first, at most
    /// <paramref name="max"/>): the ones that went with their customer come back only with it, so they are not listed.
    /// </summary>
    public async Task<IReadOnlyList<DeletedDomainView>> ListDeletedAsync(int max = 50, CancellationToken ct = default)
    {
        if (!Actor.CanManageDomains()) return [];
        var rows = await db.Domains.Where(d => d.Status == EntityStatus.Deleting && d.Customer!.DeletedAt == null)
            .OrderByDescending(d => d.DeletedAt).Take(max)
            .Select(d => new { d.Name, CustomerName = d.Customer!.Name, d.DeletedAt }).ToListAsync(ct);
        return rows.Select(r => new DeletedDomainView(r.Name, DomainName.Parse(r.Name).ToUnicode(), r.CustomerName, r.DeletedAt!.Value)).ToList();
    }

    /// <summary>
    /// Brings a domain deleted on its own back within the grace period, with the mailboxes (and their mail) and aliases
    /// that went with it; mailboxes deleted one by one before stay deleted. Whoever may delete it may restore it, if the
    /// customer's plan still has room (422). A domain that went with its customer comes back only with the customer.
    /// </summary>
    public async Task<ServiceResult<DomainView>> RestoreAsync(string name, CancellationToken ct = default)
    {
        if (!Actor.CanManageDomains() || !DomainName.TryParse(name, out var dn, out _)) return Failure.NotFound("The domain");
        var domain = await db.Domains.Include(d => d.Customer)
            .FirstOrDefaultAsync(d => d.Name == dn!.Value && d.Status == EntityStatus.Deleting, ct);
        if (domain is null || domain.Customer!.DeletedAt is not null) return Failure.NotFound("The domain");
        // Compared in memory: both values come from the same column, so they are equal to the tick on every provider.
        var mailboxes = (await db.Mailboxes.Where(m => m.DomainId == domain.Id && m.Status == EntityStatus.Deleting).ToListAsync(ct))
            .Where(m => m.DeletedAt == domain.DeletedAt).ToList();
        var used = await UsageQueries.PlanUsageAsync(db, domain.CustomerId, ct);
        var violation = domain.Customer.AllocateDomain(used)
            ?? (mailboxes.Count == 0 ? null
                : domain.Customer.AllocateMailbox(used with { Mailboxes = used.Mailboxes + mailboxes.Count - 1 }, mailboxes.Sum(m => m.QuotaMb)));
        if (violation is not null) return Failure.Limit(violation, "name");

        domain.Restore();
        recorder.Record("domain.restore", OutboxEntityType.Domain, domain.Id, domain.Name, domain.CustomerId, domain.Customer.ResellerId, $"{mailboxes.Count} mailboxes");
        foreach (var m in mailboxes)
        {
            m.Restore();
            recorder.Record("mailbox.restore", OutboxEntityType.Mailbox, m.Id, m.AddressIn(domain.Name), domain.CustomerId, domain.Customer.ResellerId, "with its domain");
        }
        // The engine dropped the aliases with their domain: apply them again.
        foreach (var a in await db.Aliases.Where(a => a.DomainId == domain.Id).ToListAsync(ct))
        {
            a.MarkPending();
            recorder.Record("alias.restore", OutboxEntityType.Alias, a.Id, $"{a.LocalPart}@{domain.Name}", domain.CustomerId, domain.Customer.ResellerId, "with its domain");
        }
        if (await unitOfWork.CommitAsync("name", ct) is { } failure) return failure;
        return (await GetAsync(domain.Name, ct)).Value!;
    }

    /// <summary>
    /// Suspends a domain, or brings it back into service: its mailboxes refuse logins (IMAP, POP3, SMTP, portal, webmail)
    /// and mail while suspended, and keep everything. Whoever manages the customer decides (admin, its reseller);
    /// support staff, the customer itself and mailbox owners cannot suspend or lift a suspension. Outside the
    /// caller's scope: 404, as for every action a role may not take (the customer's own key cannot resume what its
    /// provider suspended).
    /// </summary>
    public async Task<ServiceResult<DomainView>> SetSuspendedAsync(string name, bool suspended, CancellationToken ct = default)
    {
        if (!Actor.CanManageCustomers() || !DomainName.TryParse(name, out var dn, out _)) return Failure.NotFound("The domain");
        var domain = await db.Domains.Include(d => d.Customer).FirstOrDefaultAsync(d => d.Name == dn!.Value && d.Status != EntityStatus.Deleting, ct);
        if (domain is null) return Failure.NotFound("The domain");
        if (domain.IsSuspended == suspended) return (await GetAsync(domain.Name, ct)).Value!;

        if (suspended) domain.Suspend(DateTimeOffset.UtcNow);
        else domain.Resume();
        domain.MarkPending();
        recorder.Record(suspended ? "domain.suspend" : "domain.resume", OutboxEntityType.Domain, domain.Id, domain.Name, domain.CustomerId, domain.Customer!.ResellerId);
        // Every mailbox in it changes state in the engine (audited once, above; the worker applies them in batches).
        var mailboxes = await db.Mailboxes.IgnoreQueryFilters().Where(m => m.DomainId == domain.Id && m.Status != EntityStatus.Deleting)
            .Select(m => new { m.Id, m.LocalPart }).ToListAsync(ct);
        foreach (var m in mailboxes) recorder.Provision(OutboxEntityType.Mailbox, m.Id, $"{m.LocalPart}@{domain.Name}");
        if (await unitOfWork.CommitAsync("enabled", ct) is { } failure) return failure;
        return (await GetAsync(domain.Name, ct)).Value!;
    }

    /// <summary>Queues a domain for provisioning again (after a failure, or to re-apply it).</summary>
    public async Task<ServiceResult<DomainView>> RetryAsync(string name, CancellationToken ct = default)
    {
        if (!Actor.CanSeeDomains() || Actor.IsMailboxUser || !DomainName.TryParse(name, out var dn, out _)) return Failure.NotFound("The domain");
        var domain = await db.Domains.Include(d => d.Customer).FirstOrDefaultAsync(d => d.Name == dn!.Value && d.Status != EntityStatus.Deleting, ct);
        if (domain is null) return Failure.NotFound("The domain");
        domain.MarkPending();
        recorder.Record("domain.retry", OutboxEntityType.Domain, domain.Id, domain.Name, domain.CustomerId, domain.Customer!.ResellerId);
        if (await unitOfWork.CommitAsync("name", ct) is { } failure) return failure;
        return (await GetAsync(domain.Name, ct)).Value!;
    }

    private static IQueryable<DomainRow> Project(IQueryable<Domain> query) => query.Select(d => new DomainRow(
        d.Id, d.Name, d.CustomerId, d.Customer!.Name, d.Status, d.StatusDetail,
        d.CreatedAt, d.VerificationToken, d.VerifiedAt, d.SuspendedAt));

    /// <summary>Counts and usage for the rows of one page, in two grouped queries.</summary>
    private async Task<IReadOnlyList<DomainView>> ToViewsAsync(IReadOnlyList<DomainRow> rows, CancellationToken ct)
    {
        // The rows came through the tenancy filters, so everything in these domains is in scope: aggregate by the
        // indexed DomainId without the filters' joins to Domains and Customers (a domain may hold 10,000 mailboxes).
        var ids = rows.Select(r => r.Id).ToList();
        var mailboxStats = await db.Mailboxes.IgnoreQueryFilters()
            .Where(m => ids.Contains(m.DomainId) && m.Status != EntityStatus.Deleting)
            .GroupBy(m => m.DomainId)
            .Select(g => new
            {
                Id = g.Key,
                Count = g.Count(),
                Quota = g.Sum(m => m.QuotaMb),
                Used = g.Sum(m => m.Usage == null ? 0 : m.Usage.UsedBytes),
                Messages = g.Sum(m => m.Usage == null ? 0 : m.Usage.MessageCount),
            })
            .ToDictionaryAsync(x => x.Id, ct);
        var aliasCounts = await db.Aliases.IgnoreQueryFilters().Where(a => ids.Contains(a.DomainId))
            .GroupBy(a => a.DomainId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        return rows.Select(r =>
        {
            var m = mailboxStats.GetValueOrDefault(r.Id);
            return new DomainView(r.Name, DomainName.Parse(r.Name).ToUnicode(), r.CustomerId, r.CustomerName, r.Status, r.StatusDetail,
                m?.Count ?? 0, aliasCounts.GetValueOrDefault(r.Id), m?.Quota ?? 0, m?.Used ?? 0, m?.Messages ?? 0, r.CreatedAt,
                r.VerifiedAt is not null || !options.Value.RequireVerification, DomainVerification.RecordFor(r.Name, r.Token), r.VerifiedAt)
            {
                SuspendedAt = r.SuspendedAt,
            };
        }).ToList();
    }

    private sealed record DomainRow(Guid Id, string Name, Guid CustomerId, string CustomerName, EntityStatus Status, string? StatusDetail, DateTimeOffset CreatedAt,
        string Token, DateTimeOffset? VerifiedAt, DateTimeOffset? SuspendedAt);
}
