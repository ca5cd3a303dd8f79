using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Audit;

/// <summary>What the audit log is filtered by; every field is optional.</summary>
public sealed class AuditLogFilter
{
    public const int MaxPageSize = 200;
    public const int MaxTextLength = 320;

    /// <summary>Staff only: one customer's or one reseller's entries (others are already limited to their tenant).</summary>
    public Guid? CustomerId { get; set; }
    public Guid? ResellerId { get; set; }
    /// <summary>Part of the acting user's name (e-mail address, "system").</summary>
    public string? Actor { get; set; }
    public string? EntityType { get; set; }
    /// <summary>Part of the entity's key (a domain, an address).</summary>
    public string? EntityKey { get; set; }
    /// <summary>First and last day shown (UTC), both inclusive.</summary>
    public DateOnly? From { get; set; }
    public DateOnly? To { get; set; }
    public int Page { get; set; } = 1;
    public int PageSize { get; set; } = 25;
}

public sealed class AuditLogFilterValidator : AbstractValidator<AuditLogFilter>
{
    public AuditLogFilterValidator()
    {
        RuleFor(x => x.To).GreaterThanOrEqualTo(x => x.From).When(x => x.From is not null && x.To is not null)
            .WithMessage("The end date must not be before the start date.");
        RuleFor(x => x.Page).GreaterThanOrEqualTo(1).WithMessage("The page must be 1 or more.");
        RuleFor(x => x.PageSize).InclusiveBetween(1, AuditLogFilter.MaxPageSize)
            .WithMessage($"The page size must be between 1 and {AuditLogFilter.MaxPageSize}.");
        RuleFor(x => x.Actor).MaximumLength(AuditLogFilter.MaxTextLength);
        RuleFor(x => x.EntityType).MaximumLength(50);
        RuleFor(x => x.EntityKey).MaximumLength(AuditLogFilter.MaxTextLength);
    }
}

public sealed record AuditEntryView(long Id, DateTimeOffset At, string Actor, string Action, string EntityType, string EntityKey, string? Detail, string? RemoteAddress, Guid? CustomerId, Guid? ResellerId);

/// <summary>A tenant staff can filter by.</summary>
public sealed record AuditTenant(Guid Id, string Name);

/// <summary>
/// The audit log, newest first. Tenancy comes from the DbContext's query filters: a reseller sees its own
/// and its customers' entries, a customer its own; admins and support staff see everything.
/// </summary>
public sealed class AuditLogService(HostingPanelDbContext db, IActorAccessor actorAccessor, IValidator<AuditLogFilter> validator)
{
    private Actor Actor => actorAccessor.Actor;

    // Mailbox owners share their customer's scope but have no business reading its history.
    private bool CanRead => !Actor.IsMailboxUser && Actor.Scope != TenantScope.Nothing;

    public async Task<ServiceResult<Page<AuditEntryView>>> ListAsync(AuditLogFilter filter, CancellationToken ct = default)
    {
        if (!CanRead) return Failure.NotFound("The audit log");
        var validation = await validator.ValidateAsync(filter, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);

        var query = Filtered(filter);
        var total = await query.CountAsync(ct);
        var items = await query.OrderByDescending(a => a.At).ThenByDescending(a => a.Id)
            .Skip((filter.Page - 1) * filter.PageSize).Take(filter.PageSize)
            .Select(a => new AuditEntryView(a.Id, a.At, a.Actor, a.Action, a.EntityType, a.EntityKey, a.Detail, a.RemoteAddress, a.CustomerId, a.ResellerId))
            .ToListAsync(ct);
        return new Page<AuditEntryView>(items, total, filter.Page, filter.PageSize);
    }

    /// <summary>The most rows one export holds (newest first); narrow the filter for older ones.</summary>
    public const int MaxExportRows = 100_000;

    public static readonly string[] ExportColumns = ["time", "actor", "action", "entityType", "entityKey", "detail", "remoteAddress", "customerId", "resellerId"];

    /// <summary>
    /// The caller's part of the log under the filter (every page, newest first, at most <see cref="MaxExportRows"/>) as
    /// CSV (RFC 4180, CsvHelper). Actors, keys and details are typed by tenants and strangers (a login name, an address
    /// someone tried): a cell starting with = + - @ or a tab is written behind an apostrophe, so a spreadsheet shows it as
    /// text instead of running it as a formula. Times are ISO 8601 in UTC.
    /// </summary>
    public async Task<Failure?> ExportAsync(AuditLogFilter filter, Stream destination, CancellationToken ct = default)
    {
        if (!CanRead) return Failure.NotFound("The audit log");
        filter.Page = 1;
        filter.PageSize = 1;
        var validation = await validator.ValidateAsync(filter, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        var rows = await Filtered(filter).OrderByDescending(a => a.At).ThenByDescending(a => a.Id).Take(MaxExportRows)
            .Select(a => new { a.At, a.Actor, a.Action, a.EntityType, a.EntityKey, a.Detail, a.RemoteAddress, a.CustomerId, a.ResellerId })
            .ToListAsync(ct);
        using var buffer = new MemoryStream();
        Bulk.BulkCsvFormat.Write(buffer, ExportColumns, rows.Select(a => new string?[]
        {
            a.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            a.Actor, a.Action, a.EntityType, a.EntityKey, a.Detail, a.RemoteAddress, a.CustomerId?.ToString(), a.ResellerId?.ToString(),
        }));
        buffer.Position = 0;
        await buffer.CopyToAsync(destination, ct);
        return null;
    }

    /// <summary>The entries the filter picks, inside the caller's tenants (the query filters of the context).</summary>
    private IQueryable<Data.Model.AuditEntry> Filtered(AuditLogFilter filter)
    {
        var query = db.AuditEntries.AsNoTracking();
        if (Actor.IsStaff && filter.CustomerId is { } c) query = query.Where(a => a.CustomerId == c);
        if (Actor.IsStaff && filter.ResellerId is { } r) query = query.Where(a => a.ResellerId == r);
        if (Term(filter.Actor) is { } actor) query = query.Where(a => a.Actor.ToLower().Contains(actor));
        if (Term(filter.EntityType) is { } type) query = query.Where(a => a.EntityType.ToLower() == type);
        if (Term(filter.EntityKey) is { } key) query = query.Where(a => a.EntityKey.ToLower().Contains(key));
        if (filter.From is { } from)
        {
            var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            query = query.Where(a => a.At >= start);
        }
        if (filter.To is { } to)
        {
            var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            query = query.Where(a => a.At < end);
        }

        return query;
    }

    /// <summary>The entity types present in the caller's part of the log, for the filter's choices.</summary>
    public async Task<IReadOnlyList<string>> EntityTypesAsync(CancellationToken ct = default) =>
        CanRead ? await db.AuditEntries.Select(a => a.EntityType).Distinct().OrderBy(t => t).ToListAsync(ct) : [];

    /// <summary>Customers and resellers staff can filter by (empty for everyone else).</summary>
    public async Task<(IReadOnlyList<AuditTenant> Customers, IReadOnlyList<AuditTenant> Resellers)> TenantsAsync(CancellationToken ct = default)
    {
        if (!Actor.IsStaff) return ([], []);
        var customers = await db.Customers.OrderBy(c => c.Name).Take(PageRequest.MaxPageSize).Select(c => new AuditTenant(c.Id, c.Name)).ToListAsync(ct);
        var resellers = await db.Resellers.OrderBy(r => r.Name).Take(PageRequest.MaxPageSize).Select(r => new AuditTenant(r.Id, r.Name)).ToListAsync(ct);
        return (customers, resellers);
    }

    private static string? Term(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim().ToLowerInvariant();
}
