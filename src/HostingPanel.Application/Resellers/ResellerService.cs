using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Application.Users;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Resellers;

/// <summary>Resellers and their pools: admins manage them; support staff read them; a reseller reads its own.</summary>
public sealed class ResellerService(
    HostingPanelDbContext db,
    IActorAccessor actorAccessor,
    IValidator<CreateResellerInput> createValidator,
    IValidator<UpdateResellerInput> updateValidator,
    PortalUsers users,
    ChangeRecorder recorder,
    UnitOfWork unitOfWork)
{
    private Actor Actor => actorAccessor.Actor;

    public async Task<Page<ResellerView>> ListAsync(PageRequest page, CancellationToken ct = default)
    {
        if (!Actor.IsStaff && !Actor.IsReseller) return new Page<ResellerView>([], 0, page.SafePage, page.SafePageSize);
        var query = db.Resellers.Where(r => r.DeletedAt == null);
        if (page.Term is { } term) query = query.Where(r => r.Name.ToLower().Contains(term));
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(r => r.Name).ThenBy(r => r.Id).Skip(page.Skip).Take(page.SafePageSize).ToListAsync(ct);
        return new Page<ResellerView>(await ToViewsAsync(rows, ct), total, page.SafePage, page.SafePageSize);
    }

    public async Task<ServiceResult<ResellerView>> GetAsync(Guid id, CancellationToken ct = default)
    {
        if (!Actor.IsStaff && !Actor.IsReseller) return Failure.NotFound("The reseller");
        var r = await db.Resellers.FirstOrDefaultAsync(x => x.Id == id && x.DeletedAt == null, ct);
        return r is null ? Failure.NotFound("The reseller") : (await ToViewsAsync([r], ct))[0];
    }

    public async Task<ServiceResult<ResellerView>> CreateAsync(CreateResellerInput input, CancellationToken ct = default)
    {
        if (!Actor.CanManageResellers()) return Failure.NotFound("The reseller");
        var validation = await createValidator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        var email = EmailAddress.Parse(input.Email!).Value;
        if (await users.CheckEmailFreeAsync(email, ct) is { } taken) return taken;

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var reseller = new Reseller(input.Name!.Trim(), input.Limits!.ToLimits());
        reseller.SetOverselling(input.EffectiveOversellPercent, new PoolLimits(0, 0, 0, 0));
        db.Resellers.Add(reseller);
        recorder.Record("reseller.create", OutboxEntityType.Reseller, reseller.Id, reseller.Name, null, reseller.Id, null, provision: false);
        if (await unitOfWork.CommitAsync("Name", ct) is { } failure) return failure;
        var user = await users.CreateAsync(email, input.Password!, Roles.Reseller, reseller.Name, resellerId: reseller.Id);
        if (!user.Succeeded) return user.Failure!;
        await tx.CommitAsync(ct);
        return (await GetAsync(reseller.Id, ct)).Value!;
    }

    public async Task<ServiceResult<ResellerView>> UpdateAsync(Guid id, UpdateResellerInput input, CancellationToken ct = default)
    {
        if (!Actor.CanManageResellers()) return Failure.NotFound("The reseller");
        var r = await db.Resellers.FirstOrDefaultAsync(x => x.Id == id && x.DeletedAt == null, ct);
        if (r is null) return Failure.NotFound("The reseller");
        var validation = await updateValidator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);

        var changes = new List<string>();
        var allocated = await UsageQueries.PoolAllocatedAsync(db, r.Id, ct);
        // The ratio first when it grows, the pool first when the ratio shrinks: either order must fit what the plans hold.
        if (input.EffectiveOversellPercent is { } percent && percent >= r.OversellPercent)
        {
            r.SetOverselling(percent, new PoolLimits(0, 0, 0, 0));
            changes.Add($"overselling {percent} %");
        }
        if (input.Limits is not null)
        {
            var violation = r.ResizePool(input.Limits.ToLimits(), allocated);
            if (violation is not null) return Failure.Limit(violation, "Limits");
            changes.Add("pool");
        }
        if (input.EffectiveOversellPercent is { } lower && lower < r.OversellPercent)
        {
            if (r.SetOverselling(lower, allocated) is { } violation) return Failure.Limit(violation, "OversellPercent");
            changes.Add($"overselling {lower} %");
        }
        if (input.Name is not null) { r.Rename(input.Name.Trim()); changes.Add("name"); }
        var provision = false;
        if (input.Enabled is { } enabled && enabled != r.Enabled)
        {
            r.SetEnabled(enabled);
            changes.Add(enabled ? "enabled" : "suspended");
            provision = true;
        }
        recorder.Record("reseller.update", OutboxEntityType.Reseller, r.Id, r.Name, null, r.Id, string.Join(", ", changes), provision);
        if (await unitOfWork.CommitAsync("Limits", ct) is { } failure) return failure;
        return (await GetAsync(id, ct)).Value!;
    }

    /// <summary>Views of a page of resellers in two grouped queries, not some per row.</summary>
    private async Task<List<ResellerView>> ToViewsAsync(IReadOnlyList<Reseller> rows, CancellationToken ct)
    {
        var ids = rows.Select(r => (Guid?)r.Id).ToList();
        var allocated = await db.Customers.IgnoreQueryFilters().Where(c => ids.Contains(c.ResellerId))
            .GroupBy(c => c.ResellerId)
            .Select(g => new
            {
                g.Key,
                Count = g.Count(),
                Domains = g.Sum(c => (long)c.Plan.MaxDomains),
                Mailboxes = g.Sum(c => (long)c.Plan.MaxMailboxes),
                Disk = g.Sum(c => c.Plan.DiskQuotaMb),
            })
            .ToDictionaryAsync(x => x.Key!.Value, ct);
        var emails = (await db.Users.Where(u => ids.Contains(u.ResellerId) && u.CustomerId == null)
                .Select(u => new { u.ResellerId, u.Email }).ToListAsync(ct))
            .GroupBy(u => u.ResellerId!.Value).ToDictionary(g => g.Key, g => g.First().Email);
        return rows.Select(r =>
        {
            var a = allocated.GetValueOrDefault(r.Id);
            var pool = a is null ? new PoolLimits(0, 0, 0, 0) : new PoolLimits(a.Count, (int)a.Domains, (int)a.Mailboxes, a.Disk);
            return new ResellerView(r.Id, r.Name, emails.GetValueOrDefault(r.Id), r.Enabled, r.OversellPercent, r.Pool, pool, r.CreatedAt, r.DefaultLanguage, r.DefaultTimeZone);
        }).ToList();
    }
}
