using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Delivery;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Web.Features.Deliveries;

/// <summary>The delivery log search as the portal and the API offer it: the same filters, checked the same way.</summary>
public sealed record DeliverySearchInput(string? Address, string? MessageId, string? Since, string? Until, int Page = 1, int PageSize = 50);

public sealed record DeliveryLogResult(IReadOnlyList<DeliveryLogLine> Items, long Total, int Page, int PageSize);

/// <summary>
/// Message tracking and the routing check in the caller's scope. Staff see every line and may check any address;
/// resellers and customers see the lines belonging to their domains (the hosted domain a line concerns, never a
/// sender's claim) and check only their domains' addresses. Anything else is "not found", as everywhere.
/// </summary>
public sealed class DeliveryTracking(IActorAccessor actor, HostingPanelDbContext db, IDeliveryLog log, IMailRouting routing)
{
    public const int MaxAddressLength = 320;
    public const int MaxMessageIdLength = 250;

    public async Task<ServiceResult<DeliveryLogResult>> SearchAsync(DeliverySearchInput input, CancellationToken ct)
    {
        if (!MayTrack)
            return Failure.NotFound("The delivery log");
        var errors = new Dictionary<string, string[]>();
        var since = ParseTime(input.Since, "since", errors);
        var until = ParseTime(input.Until, "until", errors);
        CheckText(input.Address, "address", MaxAddressLength, errors);
        CheckText(input.MessageId, "messageId", MaxMessageIdLength, errors);
        if (since is { } s && until is { } u && u < s)
            errors["until"] = ["The end of the period must not be before its start."];
        if (errors.Count > 0)
            return new Failure(FailureKind.Validation, errors, errors.Count == 1 ? errors.First().Value[0] : "One or more fields are not valid.");

        var domains = await ScopeAsync(ct);
        var request = new PageRequest(input.Page, input.PageSize, null);
        var page = await log.SearchAsync(new DeliveryLogQuery(Normalize(input.Address), input.MessageId, since, until, domains, request.Skip, request.SafePageSize), ct);
        return new DeliveryLogResult(page.Items, page.Total, request.SafePage, request.SafePageSize);
    }

    public async Task<ServiceResult<RoutingReport>> RouteAsync(string? address, CancellationToken ct)
    {
        if (!MayTrack)
            return Failure.NotFound("The address");
        if (string.IsNullOrWhiteSpace(address))
            return Failure.Invalid("address", "Enter an address like name@example.com.");
        if (!EmailAddress.TryParse(address, out var parsed, out var error))
            return Failure.Invalid("address", error);
        var domains = await ScopeAsync(ct);
        if (domains is not null && !domains.Contains(parsed!.Domain.Value, StringComparer.OrdinalIgnoreCase))
            return Failure.NotFound("The address");
        var report = await routing.ExplainAsync(parsed!.Value, ct);
        return report is null ? Failure.Invalid("address", "Enter an address like name@example.com.") : report;
    }

    /// <summary>Staff, resellers and customers; mailbox owners have their own pages.</summary>
    private bool MayTrack => actor.Actor is { IsStaff: true } or { IsReseller: true } or { IsCustomer: true };

    /// <summary>The hosted domains whose lines the caller may read; null for staff (every line).</summary>
    private async Task<IReadOnlyCollection<string>?> ScopeAsync(CancellationToken ct)
    {
        var a = actor.Actor;
        if (a.IsStaff)
            return null;
        if (!a.IsReseller && !a.IsCustomer)
            return [];
        // The context's query filters keep only the caller's own domains.
        return await db.Domains.Select(d => d.Name).ToListAsync(ct);
    }

    private static string? Normalize(string? address) =>
        string.IsNullOrWhiteSpace(address) ? null : EmailAddress.TryParse(address, out var a, out _) ? a!.Value : address.Trim().ToLowerInvariant();

    private static DateTimeOffset? ParseTime(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var value))
            return value;
        errors[field] = ["Give a time like 2026-12-07T10:00:00Z."];
        return null;
    }

    private static void CheckText(string? text, string field, int max, Dictionary<string, string[]> errors)
    {
        if (text is null)
            return;
        if (text.Length > max)
            errors[field] = [$"At most {max} characters."];
        else if (text.Any(char.IsControl))
            errors[field] = ["Control characters are not allowed."];
    }
}
