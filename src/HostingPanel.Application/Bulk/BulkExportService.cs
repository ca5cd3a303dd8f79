using System.Globalization;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Bulk;

/// <summary>A domain's mailboxes or aliases as the bulk CSV that <see cref="BulkImportService"/> reads back.</summary>
public sealed record BulkExport(string[] Header, IReadOnlyList<string?[]> Rows);

public sealed class BulkExportService(HostingPanelDbContext db, IActorAccessor actorAccessor, ChangeRecorder recorder, UnitOfWork unitOfWork)
{
    private Actor Actor => actorAccessor.Actor;

    /// <param name="includePasswordHashes">
    /// Puts each mailbox's Dovecot-format hash into <c>passwordHash</c>, to move the accounts to another server with
    /// their passwords. Off by default (the column stays empty, which an import reads as "keep"); audited when on.
    /// </param>
    public async Task<ServiceResult<BulkExport>> ExportAsync(string domain, BulkCsvKind kind, bool includePasswordHashes, CancellationToken ct = default)
    {
        if (!Actor.CanManageMailboxes() || !DomainName.TryParse(domain, out var dn, out _)) return Failure.NotFound("The domain");
        var d = await db.Domains.AsNoTracking().FirstOrDefaultAsync(x => x.Name == dn!.Value && x.Status != EntityStatus.Deleting, ct);
        if (d is null) return Failure.NotFound("The domain");

        if (kind == BulkCsvKind.Aliases)
        {
            var aliases = await db.Aliases.IgnoreQueryFilters().AsNoTracking().Where(a => a.DomainId == d.Id)
                .Include(a => a.Destinations).OrderBy(a => a.LocalPart).ToListAsync(ct);
            return new BulkExport(BulkCsvFormat.AliasColumns, aliases.Select(a => new string?[]
            {
                $"{a.LocalPart}@{d.Name}",
                string.Join(" ", a.Destinations.Select(x => x.Address).Order(StringComparer.Ordinal)),
            }).ToList());
        }

        var mailboxes = await db.Mailboxes.IgnoreQueryFilters().AsNoTracking()
            .Where(m => m.DomainId == d.Id && m.Status != EntityStatus.Deleting)
            .Include(m => m.Forwards).OrderBy(m => m.LocalPart).ToListAsync(ct);
        if (includePasswordHashes)
        {
            recorder.Audit("domain.export-hashes", "Domain", d.Name, $"{mailboxes.Count} mailbox password hashes exported");
            await unitOfWork.CommitAsync("domain", ct);
        }
        return new BulkExport(BulkCsvFormat.MailboxColumns, mailboxes.Select(m => new string?[]
        {
            m.AddressIn(d.Name),
            m.DisplayName,
            m.QuotaMb.ToString(CultureInfo.InvariantCulture),
            null,
            includePasswordHashes ? m.PasswordHash : null,
            m.ImapEnabled ? "true" : "false",
            m.Pop3Enabled ? "true" : "false",
            string.Join(" ", m.Forwards.Select(f => f.Address).Order(StringComparer.Ordinal)),
        }).ToList());
    }
}
