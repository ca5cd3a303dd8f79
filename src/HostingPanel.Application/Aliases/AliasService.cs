using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Aliases;

/// <summary>Aliases and catch-alls of a domain.</summary>
public sealed class AliasService(
    HostingPanelDbContext db,
    IActorAccessor actorAccessor,
    IValidator<CreateAliasInput> createValidator,
    IValidator<ReplaceDestinationsInput> replaceValidator,
    ChangeRecorder recorder,
    UnitOfWork unitOfWork)
{
    private Actor Actor => actorAccessor.Actor;

    public async Task<ServiceResult<Page<AliasView>>> ListAsync(string domain, PageRequest page, CancellationToken ct = default)
    {
        if (await FindDomainAsync(domain, ct) is not { } d) return Failure.NotFound("The domain");
        var query = db.Aliases.Where(a => a.DomainId == d.Id);
        if (page.Term is { } term) query = query.Where(a => a.LocalPart.Contains(term) || a.Destinations.Any(x => x.Address.Contains(term)));
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(a => a.LocalPart).Skip(page.Skip).Take(page.SafePageSize).Include(a => a.Destinations).ToListAsync(ct);
        return new Page<AliasView>(rows.Select(a => ToView(a, d.Name)).ToList(), total, page.SafePage, page.SafePageSize);
    }

    public async Task<ServiceResult<AliasView>> GetAsync(string domain, string localPart, CancellationToken ct = default)
    {
        var a = await FindAsync(domain, localPart, ct);
        return a is null ? Failure.NotFound("The alias") : ToView(a, a.Domain!.Name);
    }

    public async Task<ServiceResult<AliasView>> CreateAsync(string domain, CreateAliasInput input, CancellationToken ct = default)
    {
        if (!Actor.CanManageMailboxes() || await FindDomainAsync(domain, ct) is not { } d) return Failure.NotFound("The domain");
        var validation = await createValidator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        var localPart = input.LocalPart!.Trim() == LocalPart.CatchAll ? LocalPart.CatchAll : LocalPart.Parse(input.LocalPart).Value;

        if (await MailboxService.AddressTakenAsync(db, d.Id, localPart, ct))
            return Failure.Conflict(nameof(input.LocalPart), localPart == LocalPart.CatchAll
                ? $"{d.Name} already has a catch-all."
                : $"{localPart}@{d.Name} already exists.");
        if (localPart != LocalPart.CatchAll && await Users.LoginAddresses.IsPortalLoginAsync(db, $"{localPart}@{d.Name}", ct))
            return Failure.Conflict(nameof(input.LocalPart), string.Format(Users.LoginAddresses.PortalLoginMessage, $"{localPart}@{d.Name}"));
        var destinations = input.Destinations.Select(EmailAddress.Parse).ToList();
        var self = $"{localPart}@{d.Name}";
        if (destinations.Any(x => x.Value == self))
            return Failure.Invalid(nameof(input.Destinations), "An alias cannot deliver to itself.");

        var alias = new Alias(d.Id, localPart, destinations);
        db.Aliases.Add(alias);
        recorder.Record("alias.create", OutboxEntityType.Alias, alias.Id, self, d.CustomerId, d.Customer!.ResellerId, string.Join(" ", alias.Destinations.Select(x => x.Address)));
        if (await unitOfWork.CommitAsync(nameof(input.LocalPart), ct) is { } failure) return failure;
        return (await GetAsync(d.Name, localPart, ct)).Value!;
    }

    public async Task<ServiceResult<AliasView>> ReplaceDestinationsAsync(string domain, string localPart, ReplaceDestinationsInput input, CancellationToken ct = default)
    {
        if (!Actor.CanManageMailboxes()) return Failure.NotFound("The alias");
        var a = await FindAsync(domain, localPart, ct);
        if (a is null) return Failure.NotFound("The alias");
        var validation = await replaceValidator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        var self = $"{a.LocalPart}@{a.Domain!.Name}";
        var destinations = input.Destinations.Select(EmailAddress.Parse).ToList();
        if (destinations.Any(x => x.Value == self))
            return Failure.Invalid(nameof(input.Destinations), "An alias cannot deliver to itself.");
        // Destinations are owned rows: remove the old ones explicitly so EF deletes them.
        db.RemoveRange(a.Destinations);
        a.ReplaceDestinations(destinations);
        // The new rows carry their ids already, so EF would take them for existing rows (UPDATE, 0 rows): mark them new.
        db.AddRange(a.Destinations);
        a.MarkPending();
        recorder.Record("alias.update", OutboxEntityType.Alias, a.Id, self, a.Domain.CustomerId, a.Domain.Customer!.ResellerId, string.Join(" ", a.Destinations.Select(x => x.Address)));
        if (await unitOfWork.CommitAsync(nameof(input.Destinations), ct) is { } failure) return failure;
        return (await GetAsync(domain, a.LocalPart, ct)).Value!;
    }

    public async Task<ServiceResult<Done>> DeleteAsync(string domain, string localPart, CancellationToken ct = default)
    {
        if (!Actor.CanManageMailboxes()) return Failure.NotFound("The alias");
        var a = await FindAsync(domain, localPart, ct);
        if (a is null) return Failure.NotFound("The alias");
        db.Aliases.Remove(a);
        recorder.Record("alias.delete", OutboxEntityType.Alias, a.Id, $"{a.LocalPart}@{a.Domain!.Name}", a.Domain.CustomerId, a.Domain.Customer!.ResellerId);
        if (await unitOfWork.CommitAsync("localPart", ct) is { } failure) return failure;
        return new Done();
    }

    /// <summary>Queues an alias for provisioning again (after a failure, or to re-apply it).</summary>
    public async Task<ServiceResult<AliasView>> RetryAsync(string domain, string localPart, CancellationToken ct = default)
    {
        if (!Actor.CanManageMailboxes()) return Failure.NotFound("The alias");
        var a = await FindAsync(domain, localPart, ct);
        if (a is null) return Failure.NotFound("The alias");
        a.MarkPending();
        recorder.Record("alias.retry", OutboxEntityType.Alias, a.Id, $"{a.LocalPart}@{a.Domain!.Name}", a.Domain.CustomerId, a.Domain.Customer!.ResellerId);
        if (await unitOfWork.CommitAsync("localPart", ct) is { } failure) return failure;
        return (await GetAsync(domain, a.LocalPart, ct)).Value!;
    }

    private async Task<Domain?> FindDomainAsync(string domain, CancellationToken ct)
    {
        if (Actor.IsMailboxUser || !DomainName.TryParse(domain, out var dn, out _)) return null;
        return await db.Domains.Include(d => d.Customer).FirstOrDefaultAsync(d => d.Name == dn!.Value && d.Status != EntityStatus.Deleting, ct);
    }

    private async Task<Alias?> FindAsync(string domain, string localPart, CancellationToken ct)
    {
        if (!DomainName.TryParse(domain, out var dn, out _)) return null;
        var lp = localPart.Trim().ToLowerInvariant();
        return await db.Aliases.Include(a => a.Domain).ThenInclude(d => d!.Customer).Include(a => a.Destinations)
            .FirstOrDefaultAsync(a => a.Domain!.Name == dn!.Value && a.LocalPart == lp && a.Domain.Status != EntityStatus.Deleting, ct);
    }

    internal static AliasView ToView(Alias a, string domain) => new(
        $"{a.LocalPart}@{domain}", a.LocalPart, domain, a.IsCatchAll,
        a.Destinations.Select(d => d.Address).OrderBy(x => x).ToList(), a.Status, a.StatusDetail, a.CreatedAt);
}
