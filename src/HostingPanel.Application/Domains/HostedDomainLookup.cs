using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Domains;

/// <summary>
/// Answers "is this domain hosted here?" for anonymous callers (mail client auto-configuration).
/// Ignores tenancy on purpose, so it reveals nothing but the normalized name of a hosted domain.
/// </summary>
public sealed class HostedDomainLookup(HostingPanelDbContext db)
{
    /// <summary>The domain's stored (A-label) name when it is hosted and not being deleted, otherwise null.</summary>
    public async Task<string?> FindAsync(string? domain, CancellationToken ct = default)
    {
        if (!DomainName.TryParse(domain, out var name, out _)) return null;
        var value = name!.Value;
        var hosted = await db.Domains.IgnoreQueryFilters().AsNoTracking()
            .AnyAsync(d => d.Name == value && d.Status != EntityStatus.Deleting, ct);
        return hosted ? value : null;
    }

    /// <summary>The domain part of an address (after the last '@'), or null when there is none.</summary>
    public static string? DomainOf(string? address)
    {
        if (string.IsNullOrWhiteSpace(address)) return null;
        var at = address.LastIndexOf('@');
        return at < 0 || at == address.Length - 1 ? null : address[(at + 1)..].Trim();
    }
}
