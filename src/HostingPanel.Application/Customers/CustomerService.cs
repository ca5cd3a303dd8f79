using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Application.Users;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Customers;

/// <summary>Customers and their plans, allocated out of a reseller's pool.</summary>
public sealed class CustomerService(
    HostingPanelDbContext db,
    IActorAccessor actorAccessor,
    IValidator<CreateCustomerInput> createValidator,
    IValidator<UpdateCustomerInput> updateValidator,
    PortalUsers users,
    ChangeRecorder recorder,
    UnitOfWork unitOfWork)
{
    private Actor Actor => actorAccessor.Actor;

    public async Task<Page<CustomerView>> ListAsync(PageRequest page, Guid? resellerId = null, CancellationToken ct = default)
    {
        if (Actor.IsCustomer || Actor.IsMailboxUser) return new Page<CustomerView>([], 0, page.SafePage, page.SafePageSize);
        var query = db.Customers.Where(c => c.DeletedAt == null);
        if (resellerId is { } r) query = query.Where(c => c.ResellerId == r);
        if (page.Term is { } term) query = query.Where(c => c.Name.ToLower().Contains(term));
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(c => c.Name).ThenBy(c => c.Id).Skip(page.Skip).Take(page.SafePageSize).Include(c => c.Reseller).ToListAsync(ct);
        return new Page<CustomerView>(await ToViewsAsync(rows, ct), total, page.SafePage, page.SafePageSize);
    }

    public async Task<ServiceResult<CustomerView>> GetAsync(Guid id, CancellationToken ct = default)
    {
        if (Actor.IsMailboxUser) return Failure.NotFound("The customer");
        var c = await db.Customers.Include(x => x.Reseller).FirstOrDefaultAsync(x => x.Id == id && x.DeletedAt == null, ct);
        return c is null ? Failure.NotFound("The customer") : (await ToViewsAsync([c], ct))[0];
    }

    public async Task<ServiceResult<CustomerView>> CreateAsync(CreateCustomerInput input, CancellationToken ct = default)
    {
        if (!Actor.CanManageCustomers()) return Failure.NotFound("The reseller");
        var validation = await createValidator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        var email = EmailAddress.Parse(input.Email!).Value;
        if (await users.CheckEmailFreeAsync(email, ct) is { } taken) return taken;

        var resellerId = Actor.IsReseller ? Actor.ResellerId : input.ResellerId;
        var plan = input.Limits!.ToLimits();
        Reseller? reseller = null;
        if (resellerId is { } rid)
        {
            reseller = await db.Resellers.FirstOrDefaultAsync(r => r.Id == rid && r.DeletedAt == null, ct);
            if (reseller is null) return Failure.NotFound("The reseller");
            var violation = reseller.CheckPlan(await UsageQueries.PoolAllocatedAsync(db, rid, ct), null, plan);
            if (violation is not null) return Failure.Limit(violation, "Limits");
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var customer = new Customer(input.Name!.Trim(), resellerId, plan);
        if (customer.SetDefaultMailboxQuota(input.DefaultMailboxQuotaMb ?? 0) is { } tooLarge) return Failure.Limit(tooLarge, "DefaultMailboxQuotaMb");
        db.Customers.Add(customer);
        recorder.Record("customer.create", OutboxEntityType.Customer, customer.Id, customer.Name, customer.Id, resellerId,
            $"plan {plan.MaxDomains} domains, {plan.MaxMailboxes} mailboxes, {plan.DiskQuotaMb} MB", provision: false);
        if (await unitOfWork.CommitAsync("Limits", ct) is { } failure) return failure;
        var user = await users.CreateAsync(email, input.Password!, Roles.Customer, customer.Name, customerId: customer.Id);
        if (!user.Succeeded) return user.Failure!;
        await tx.CommitAsync(ct);
        return (await GetAsync(customer.Id, ct)).Value!;
    }

    public async Task<ServiceResult<CustomerView>> UpdateAsync(Guid id, UpdateCustomerInput input, CancellationToken ct = default)
    {
        if (!Actor.CanManageCustomers()) return Failure.NotFound("The customer");
        var c = await db.Customers.Include(x => x.Reseller).FirstOrDefaultAsync(x => x.Id == id && x.DeletedAt == null, ct);
        if (c is null) return Failure.NotFound("The customer");
        var validation = await updateValidator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);

        var changes = new List<string>();
        if (input.Limits is not null)
        {
            var plan = input.Limits.ToLimits();
            if (c.Reseller is { } reseller)
            {
                var poolViolation = reseller.CheckPlan(await UsageQueries.PoolAllocatedAsync(db, reseller.Id, ct), c.Plan, plan);
                if (poolViolation is not null) return Failure.Limit(poolViolation, "Limits");
            }
            var violation = c.ChangePlan(plan, await UsageQueries.PlanUsageAsync(db, c.Id, ct));
            if (violation is not null) return Failure.Limit(violation, "Limits");
            changes.Add($"plan {plan.MaxDomains} domains, {plan.MaxMailboxes} mailboxes, {plan.DiskQuotaMb} MB");
        }
        // After a plan change, so that the default is checked against the new plan's disk.
        if (input.DefaultMailboxQuotaMb is { } defaultMb)
        {
            if (c.SetDefaultMailboxQuota(defaultMb) is { } tooLarge) return Failure.Limit(tooLarge, "DefaultMailboxQuotaMb");
            changes.Add($"default mailbox size {defaultMb} MB");
        }
        if (input.Name is not null) { c.Rename(input.Name.Trim()); changes.Add("name"); }
        var provision = false;
        if (input.Enabled is { } enabled && enabled != c.Enabled)
        {
            c.SetEnabled(enabled);
            changes.Add(enabled ? "enabled" : "suspended");
            provision = true; // every mailbox under it changes state in the engine
        }
        recorder.Record("customer.update", OutboxEntityType.Customer, c.Id, c.Name, c.Id, c.ResellerId, string.Join(", ", changes), provision);
        if (await unitOfWork.CommitAsync("Limits", ct) is { } failure) return failure;
        return (await GetAsync(id, ct)).Value!;
    }

    /// <summary>Views of a page of customers: a fixed number of grouped queries, never some per row (a reseller may have thousands).</summary>
    private async Task<List<CustomerView>> ToViewsAsync(IReadOnlyList<Customer> rows, CancellationToken ct)
    {
        var ids = rows.Select(c => c.Id).ToList();
        var allocated = await UsageQueries.PlanUsagesAsync(db, ids, ct);
        var used = await (from u in db.MailboxUsages
                          join m in db.Mailboxes.IgnoreQueryFilters() on u.MailboxId equals m.Id
                          where ids.Contains(m.Domain!.CustomerId) && m.Status != EntityStatus.Deleting
                          group u.UsedBytes by m.Domain!.CustomerId into g
                          select new { g.Key, Used = g.Sum() })
            .ToDictionaryAsync(x => x.Key, x => x.Used, ct);
        var nullableIds = ids.Select(id => (Guid?)id).ToList();
        var emails = (await db.Users.Where(u => nullableIds.Contains(u.CustomerId) && u.MailboxId == null)
                .Select(u => new { u.CustomerId, u.Email }).ToListAsync(ct))
            .GroupBy(u => u.CustomerId!.Value).ToDictionary(g => g.Key, g => g.First().Email);
        return rows.Select(c => new CustomerView(c.Id, c.Name, emails.GetValueOrDefault(c.Id), c.ResellerId, c.Reseller?.Name, c.Enabled, c.Plan,
            allocated[c.Id], used.GetValueOrDefault(c.Id), c.CreatedAt, c.DefaultMailboxQuotaMb)).ToList();
    }
}
