using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Mailboxes;

/// <summary>Mailboxes of a domain: the same rules for the portal, the API and support staff.</summary>
public sealed class MailboxService(
    HostingPanelDbContext db,
    IActorAccessor actorAccessor,
    IValidator<CreateMailboxInput> createValidator,
    IValidator<UpdateMailboxInput> updateValidator,
    IValidator<OwnerSettingsInput> ownerValidator,
    IValidator<ChangePasswordInput> passwordValidator,
    IMailboxPasswordHasher hasher,
    ForwardingReach forwardingReach,
    ChangeRecorder recorder,
    UnitOfWork unitOfWork)
{
    private readonly KnownPlanUsage _usageAfterLastCreate = new();

    private Actor Actor => actorAccessor.Actor;

    public async Task<ServiceResult<Page<MailboxView>>> ListAsync(string domain, PageRequest page, CancellationToken ct = default)
    {
        if (await FindDomainAsync(domain, ct) is not { } d) return Failure.NotFound("The domain");
        // The domain was found through the tenancy filters (and never for a mailbox owner), so all its mailboxes are in
        // scope: query them by the indexed DomainId without the filters' joins, which cost most on a 10,000-mailbox domain.
        var query = db.Mailboxes.IgnoreQueryFilters().Where(m => m.DomainId == d.Id && m.Status != EntityStatus.Deleting);
        if (page.Term is { } term) query = query.Where(m => m.LocalPart.Contains(term) || (m.DisplayName != null && m.DisplayName.ToLower().Contains(term)));
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(m => m.LocalPart).Skip(page.Skip).Take(page.SafePageSize)
            .Include(m => m.Usage).Include(m => m.Forwards).AsSplitQuery().ToListAsync(ct);
        return new Page<MailboxView>(rows.Select(m => ToView(m, d.Name)).ToList(), total, page.SafePage, page.SafePageSize);
    }

    public async Task<ServiceResult<MailboxView>> GetAsync(string domain, string localPart, CancellationToken ct = default)
    {
        var m = await FindAsync(domain, localPart, ct);
        return m is null ? Failure.NotFound("The mailbox") : ToView(m, m.Domain!.Name);
    }

    /// <summary>The mailbox of the signed-in mailbox owner.</summary>
    public async Task<ServiceResult<MailboxView>> GetOwnAsync(CancellationToken ct = default)
    {
        if (Actor.MailboxId is not { } id) return Failure.NotFound("The mailbox");
        var m = await Live().Include(x => x.Domain).Include(x => x.Usage).Include(x => x.Forwards).FirstOrDefaultAsync(x => x.Id == id, ct);
        return m is null ? Failure.NotFound("The mailbox") : ToView(m, m.Domain!.Name);
    }

    public async Task<ServiceResult<MailboxView>> CreateAsync(string domain, CreateMailboxInput input, CancellationToken ct = default)
    {
        if (!Actor.CanManageMailboxes() || await FindDomainAsync(domain, ct) is not { } d) return Failure.NotFound("The domain");
        var validation = await createValidator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        var localPart = LocalPart.Parse(input.LocalPart!);

        // A deleted mailbox in its grace period keeps its address; the caller may purge it now to take the address again.
        var deleted = await db.Mailboxes.IgnoreQueryFilters()
            .FirstOrDefaultAsync(m => m.DomainId == d.Id && m.LocalPart == localPart.Value && m.Status == EntityStatus.Deleting, ct);
        if (deleted is not null && !input.PurgeDeleted)
            return Failure.Conflict(nameof(input.LocalPart), PurgeMessages.DeletedInGrace($"{localPart.Value}@{d.Name}", deleted.DeletedAt));
        if (deleted is null && await AddressTakenAsync(d.Id, localPart.Value, ct))
            return Failure.Conflict(nameof(input.LocalPart), $"{localPart.Value}@{d.Name} already exists.");
        if (await Users.LoginAddresses.IsPortalLoginAsync(db, $"{localPart.Value}@{d.Name}", ct))
            return Failure.Conflict(nameof(input.LocalPart), string.Format(Users.LoginAddresses.PortalLoginMessage, $"{localPart.Value}@{d.Name}"));

        var customer = await db.Customers.IgnoreQueryFilters().FirstAsync(c => c.Id == d.CustomerId, ct);
        var quotaMb = input.QuotaMb ?? 0;
        if (input.QuotaMb is null)
        {
            // Issue 19 item 7: without a quota the mailbox gets what the new-mailbox form proposes.
            var room = await Quotas.DomainQuotaService.RoomAsync(db, d, ct);
            if (room.MailboxesLeft > 0 && room.ProposedQuotaMb <= 0)
                return Failure.Invalid(nameof(input.QuotaMb), $"No disk is left for another mailbox in {d.Name} (left: {room.LeftMb} MB); give a quota or free some.");
            quotaMb = Math.Max(1, room.ProposedQuotaMb);
        }
        // The version as stored now: a customer this context already tracks keeps the values it was first read with.
        var known = _usageAfterLastCreate.Has(customer.Id)
            ? _usageAfterLastCreate.For(customer.Id, await db.Customers.IgnoreQueryFilters().Where(c => c.Id == customer.Id).Select(c => c.AllocationVersion).FirstAsync(ct))
            : null;
        var usage = known ?? await UsageQueries.PlanUsageAsync(db, customer.Id, ct);
        var violation = customer.AllocateMailbox(usage, quotaMb);
        if (violation is not null && known is not null)
        {
            // The known figure may be too high (a deletion since): refuse only on the counted one.
            usage = await UsageQueries.PlanUsageAsync(db, customer.Id, ct);
            violation = customer.AllocateMailbox(usage, quotaMb);
        }
        if (violation is not null) return Failure.Limit(violation, violation.Limit == "disk" ? nameof(input.QuotaMb) : nameof(input.LocalPart));
        // The domain's own cap, inside the plan (issue 19 item 7).
        if (await Quotas.DomainQuotaService.CheckCapAsync(db, d, quotaMb, 0, ct) is { } capped) return Failure.Limit(capped, nameof(input.QuotaMb));

        if (deleted is not null)
        {
            // The old row goes and the engine purges its mail (its outbox record comes first, so the worker purges before
            // it creates the new mailbox under the same address).
            var oldAddress = deleted.AddressIn(d.Name);
            db.Mailboxes.Remove(deleted);
            recorder.Record("mailbox.purge", OutboxEntityType.Mailbox, deleted.Id, oldAddress, customer.Id, customer.ResellerId,
                "deleted mailbox purged before its grace period ended, to create the address again");
            if (await unitOfWork.CommitAsync(nameof(input.LocalPart), ct) is { } purgeFailure) return purgeFailure;
        }

        var passwordHash = input.PasswordHash ?? hasher.Hash(input.Password!);
        var mailbox = new Mailbox(d.Id, localPart, passwordHash, quotaMb, input.DisplayName?.Trim());
        db.Mailboxes.Add(mailbox);
        var address = mailbox.AddressIn(d.Name);
        recorder.Record("mailbox.create", OutboxEntityType.Mailbox, mailbox.Id, address, customer.Id, customer.ResellerId,
            input.QuotaMb is null ? $"quota {quotaMb} MB (proposed)" : $"quota {quotaMb} MB");
        if (await unitOfWork.CommitAsync(nameof(input.LocalPart), ct) is { } failure)
        {
            _usageAfterLastCreate.Forget();
            return failure;
        }
        // Committed under the version AllocateMailbox wrote (a concurrency token): the usage at that version is exact.
        _usageAfterLastCreate.Remember(customer, usage with { Mailboxes = usage.Mailboxes + 1, QuotaMb = usage.QuotaMb + quotaMb });
        // Just saved, as it is: no usage and no forwards yet, so no second query (bulk creation calls this thousands of times).
        return ToView(mailbox, d.Name);
    }

    public async Task<ServiceResult<MailboxView>> UpdateAsync(string domain, string localPart, UpdateMailboxInput input, CancellationToken ct = default)
    {
        if (!Actor.CanManageMailboxes()) return Failure.NotFound("The mailbox");
        var m = await FindAsync(domain, localPart, ct);
        if (m is null) return Failure.NotFound("The mailbox");
        var validation = await updateValidator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);

        var changes = new List<string>();
        if (input.QuotaMb is { } quota && quota != m.QuotaMb)
        {
            // Support staff do not touch plans; a quota change allocates from the plan.
            if (Actor.IsSupport) return Failure.Invalid(nameof(input.QuotaMb), "Support staff cannot change quotas.");
            var customer = await db.Customers.IgnoreQueryFilters().FirstAsync(c => c.Id == m.Domain!.CustomerId, ct);
            var violation = customer.ResizeMailbox(await UsageQueries.PlanUsageAsync(db, customer.Id, ct), m.QuotaMb, quota);
            if (violation is not null) return Failure.Limit(violation, nameof(input.QuotaMb));
            if (quota > m.QuotaMb && await Quotas.DomainQuotaService.CheckCapAsync(db, m.Domain!, quota, m.QuotaMb, ct) is { } capped)
                return Failure.Limit(capped, nameof(input.QuotaMb));
            m.SetQuota(quota);
            changes.Add($"quota {quota} MB");
        }
        if (input.Password is not null)
        {
            m.ResetPassword(hasher.Hash(input.Password));
            // The owner's portal and webmail sessions end with the old password (the engine ends its IMAP and POP3 sessions).
            await Users.PortalSessionRevocation.EndSessionsOfMailboxAsync(db, m.Id, ct);
            changes.Add("password");
        }
        if (input.DisplayName is not null) { m.SetDisplayName(input.DisplayName); changes.Add("display name"); }
        if (input.Enabled is { } enabled) { m.SetEnabled(enabled); changes.Add(enabled ? "enabled" : "suspended"); }
        if (input.ImapEnabled is not null || input.Pop3Enabled is not null)
        {
            m.SetProtocols(input.ImapEnabled ?? m.ImapEnabled, input.Pop3Enabled ?? m.Pop3Enabled);
            changes.Add($"imap {(m.ImapEnabled ? "on" : "off")}, pop3 {(m.Pop3Enabled ? "on" : "off")}");
        }
        if (input.Pop3RetentionDays is { } days) { m.SetPop3Retention(days); changes.Add($"pop3 retention {days} days"); }
        if (input.ForwardTo is not null || input.KeepCopy is not null)
        {
            // Left out: stays as it is; the other half of the setting is checked with it (keepCopy alone can make a loop matter).
            var forwardTo = input.ForwardTo ?? m.Forwards.Select(f => f.Address).ToList();
            if (await SetForwardingAsync(m, forwardTo, input.KeepCopy ?? m.KeepCopyWhenForwarding, ct) is { } refused) return refused;
            changes.Add(ForwardingChange(m));
        }

        m.MarkPending();
        var address = m.AddressIn(m.Domain!.Name);
        recorder.Record("mailbox.update", OutboxEntityType.Mailbox, m.Id, address, m.Domain.CustomerId, m.Domain.Customer!.ResellerId, string.Join(", ", changes));
        if (await unitOfWork.CommitAsync(nameof(input.QuotaMb), ct) is { } failure) return failure;
        return (await GetAsync(domain, localPart, ct)).Value!;
    }

    /// <summary>A mailbox owner's own settings: forwarding and POP3 retention.</summary>
    public async Task<ServiceResult<MailboxView>> UpdateOwnSettingsAsync(OwnerSettingsInput input, CancellationToken ct = default)
    {
        if (Actor.MailboxId is not { } id) return Failure.NotFound("The mailbox");
        var validation = await ownerValidator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        var m = await Live().Include(x => x.Domain).ThenInclude(d => d!.Customer).Include(x => x.Forwards).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (m is null) return Failure.NotFound("The mailbox");
        if (await SetForwardingAsync(m, input.ForwardTo, input.KeepCopy, ct) is { } refused) return refused;
        m.SetPop3Retention(input.Pop3RetentionDays);
        m.MarkPending();
        recorder.Record("mailbox.owner-settings", OutboxEntityType.Mailbox, m.Id, m.AddressIn(m.Domain!.Name), m.Domain.CustomerId, m.Domain.Customer!.ResellerId,
            $"{ForwardingChange(m)}, pop3 retention {m.Pop3RetentionDays} days");
        if (await unitOfWork.CommitAsync(nameof(input.ForwardTo), ct) is { } failure) return failure;
        return (await GetOwnAsync(ct)).Value!;
    }

    /// <summary>
    /// Forwarding, the same for the owner's form and for the API (validated input): never to the mailbox itself, and never
    /// so that its mail reaches nobody. Without forwarding a copy is always kept (mail has to land somewhere).
    /// </summary>
    private async Task<Failure?> SetForwardingAsync(Mailbox m, IReadOnlyList<string> forwardTo, bool keepCopy, CancellationToken ct)
    {
        var own = m.AddressIn(m.Domain!.Name);
        var targets = forwardTo.Select(a => EmailAddress.Parse(a).Value).Distinct(StringComparer.Ordinal).ToList();
        if (targets.Contains(own)) return Failure.Invalid(nameof(UpdateMailboxInput.ForwardTo), ForwardingRules.ToItself);
        keepCopy = keepCopy || targets.Count == 0;
        if (!keepCopy && await forwardingReach.ReachesNobodyAsync(own, targets, ct))
            return Failure.Invalid(nameof(UpdateMailboxInput.ForwardTo), ForwardingRules.ReachesNobody);
        m.SetForwarding(targets, keepCopy);
        // Client-generated keys: without this EF takes the new rows for existing ones (UPDATE of 0 rows).
        foreach (var f in m.Forwards) db.Entry(f).State = EntityState.Added;
        return null;
    }

    private static string ForwardingChange(Mailbox m) =>
        $"forward to {(m.Forwards.Count == 0 ? "nobody" : string.Join(" ", m.Forwards.Select(f => f.Address)))}, keep copy {m.KeepCopyWhenForwarding}";

    public async Task<ServiceResult<Done>> ChangeOwnPasswordAsync(ChangePasswordInput input, CancellationToken ct = default)
    {
        if (Actor.MailboxId is not { } id) return Failure.NotFound("The mailbox");
        var validation = await passwordValidator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        var m = await Live().Include(x => x.Domain).ThenInclude(d => d!.Customer).FirstOrDefaultAsync(x => x.Id == id, ct);
        if (m is null) return Failure.NotFound("The mailbox");
        // Someone who found the session open must not be able to take the mailbox over: the current password first.
        if (!await hasher.VerifyAsync(m.PasswordHash, input.CurrentPassword!, "customer:" + m.Domain!.CustomerId, ct))
            return Failure.Invalid(nameof(input.CurrentPassword), ChangePasswordInput.WrongCurrentPassword);
        m.ChangePassword(hasher.Hash(input.Password!));
        await Users.PortalSessionRevocation.EndSessionsOfMailboxAsync(db, m.Id, ct);
        m.MarkPending();
        recorder.Record("mailbox.password", OutboxEntityType.Mailbox, m.Id, m.AddressIn(m.Domain!.Name), m.Domain.CustomerId, m.Domain.Customer!.ResellerId);
        if (await unitOfWork.CommitAsync(nameof(input.Password), ct) is { } failure) return failure;
        return new Done();
    }

    /// <summary>Deletes a mailbox: it stops receiving and refuses logins at once; its mail is kept for the grace period.</summary>
    public async Task<ServiceResult<Done>> DeleteAsync(string domain, string localPart, CancellationToken ct = default)
    {
        if (!Actor.CanManageMailboxes()) return Failure.NotFound("The mailbox");
        var m = await FindAsync(domain, localPart, ct);
        if (m is null) return Failure.NotFound("The mailbox");
        m.MarkDeleted(DateTimeOffset.UtcNow);
        recorder.Record("mailbox.delete", OutboxEntityType.Mailbox, m.Id, m.AddressIn(m.Domain!.Name), m.Domain.CustomerId, m.Domain.Customer!.ResellerId);
        if (await unitOfWork.CommitAsync("localPart", ct) is { } failure) return failure;
        return new Done();
    }

    /// <summary>Mailboxes deleted and still in their grace period (admins and support restore them), paged; search matches the address.</summary>
    public async Task<Page<MailboxView>> ListDeletedAsync(PageRequest page, CancellationToken ct = default)
    {
        if (!Actor.IsStaff) return new Page<MailboxView>([], 0, page.SafePage, page.SafePageSize);
        var query = db.Mailboxes.Where(m => m.Status == EntityStatus.Deleting && m.Domain!.Status != EntityStatus.Deleting);
        if (page.Term is { } term) query = query.Where(m => (m.LocalPart + "@" + m.Domain!.Name).Contains(term));
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(m => m.DeletedAt).ThenBy(m => m.Id).Skip(page.Skip).Take(page.SafePageSize)
            .Include(m => m.Domain).Include(m => m.Usage).Include(m => m.Forwards).AsSplitQuery().ToListAsync(ct);
        return new Page<MailboxView>(rows.Select(m => ToView(m, m.Domain!.Name)).ToList(), total, page.SafePage, page.SafePageSize);
    }

    public async Task<ServiceResult<MailboxView>> RestoreAsync(string domain, string localPart, CancellationToken ct = default)
    {
        if (!Actor.IsStaff) return Failure.NotFound("The mailbox");
        if (!DomainName.TryParse(domain, out var dn, out _)) return Failure.NotFound("The mailbox");
        var lp = localPart.Trim().ToLowerInvariant();
        var m = await db.Mailboxes.Include(x => x.Domain).ThenInclude(d => d!.Customer)
            .FirstOrDefaultAsync(x => x.Domain!.Name == dn!.Value && x.LocalPart == lp && x.Status == EntityStatus.Deleting, ct);
        if (m is null || m.Domain!.Status == EntityStatus.Deleting) return Failure.NotFound("The mailbox");
        var violation = m.Domain.Customer!.AllocateMailbox(await UsageQueries.PlanUsageAsync(db, m.Domain.CustomerId, ct), m.QuotaMb);
        if (violation is not null) return Failure.Limit(violation, "localPart");
        m.Restore();
        recorder.Record("mailbox.restore", OutboxEntityType.Mailbox, m.Id, m.AddressIn(m.Domain.Name), m.Domain.CustomerId, m.Domain.Customer.ResellerId);
        if (await unitOfWork.CommitAsync("localPart", ct) is { } failure) return failure;
        return (await GetAsync(domain, localPart, ct)).Value!;
    }

    /// <summary>Queues a mailbox for provisioning again (after a failure, or to re-apply it).</summary>
    public async Task<ServiceResult<MailboxView>> RetryAsync(string domain, string localPart, CancellationToken ct = default)
    {
        if (!Actor.CanManageMailboxes()) return Failure.NotFound("The mailbox");
        var m = await FindAsync(domain, localPart, ct);
        if (m is null) return Failure.NotFound("The mailbox");
        m.MarkPending();
        recorder.Record("mailbox.retry", OutboxEntityType.Mailbox, m.Id, m.AddressIn(m.Domain!.Name), m.Domain.CustomerId, m.Domain.Customer!.ResellerId);
        if (await unitOfWork.CommitAsync("localPart", ct) is { } failure) return failure;
        return (await GetAsync(domain, localPart, ct)).Value!;
    }

    private IQueryable<Mailbox> Live() => db.Mailboxes.Where(m => m.Status != EntityStatus.Deleting);

    private async Task<Domain?> FindDomainAsync(string domain, CancellationToken ct)
    {
        if (Actor.IsMailboxUser || !DomainName.TryParse(domain, out var dn, out _)) return null;
        return await db.Domains.FirstOrDefaultAsync(d => d.Name == dn!.Value && d.Status != EntityStatus.Deleting, ct);
    }

    private async Task<Mailbox?> FindAsync(string domain, string localPart, CancellationToken ct)
    {
        if (!DomainName.TryParse(domain, out var dn, out _) || !LocalPart.TryParse(localPart, out var lp, out _)) return null;
        return await Live().Include(m => m.Domain).ThenInclude(d => d!.Customer).Include(m => m.Usage).Include(m => m.Forwards)
            .FirstOrDefaultAsync(m => m.Domain!.Name == dn!.Value && m.LocalPart == lp!.Value && m.Domain.Status != EntityStatus.Deleting, ct);
    }

    /// <summary>A local part is one mailbox or one alias per domain, never both (deleted mailboxes keep theirs until purged).</summary>
    internal static async Task<bool> AddressTakenAsync(HostingPanelDbContext db, Guid domainId, string localPart, CancellationToken ct) =>
        await db.Mailboxes.IgnoreQueryFilters().AnyAsync(m => m.DomainId == domainId && m.LocalPart == localPart, ct)
        || await db.Aliases.IgnoreQueryFilters().AnyAsync(a => a.DomainId == domainId && a.LocalPart == localPart, ct);

    private Task<bool> AddressTakenAsync(Guid domainId, string localPart, CancellationToken ct) => AddressTakenAsync(db, domainId, localPart, ct);

    internal static MailboxView ToView(Mailbox m, string domain) => new(
        m.AddressIn(domain), m.LocalPart, domain, m.DisplayName, m.QuotaMb,
        m.Usage?.UsedBytes ?? 0, m.Usage?.MessageCount ?? 0,
        m.Enabled, m.ImapEnabled, m.Pop3Enabled, m.Pop3RetentionDays,
        m.Forwards.Select(f => f.Address).OrderBy(a => a).ToList(), m.KeepCopyWhenForwarding,
        m.Status, m.StatusDetail, m.CreatedAt, m.Usage?.UpdatedAt);
}
