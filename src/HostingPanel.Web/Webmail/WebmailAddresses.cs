using HostingPanel.Data;
using HostingPanel.Data.Model;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Web.Webmail;

/// <summary>
/// Addresses for the compose form: the From choices (the mailbox and every alias whose destinations
/// include it; the engine's submission check is the final word), and recent correspondents for completion.
/// </summary>
public sealed class WebmailAddresses(HostingPanelDbContext db, ImapConnectionPool pool)
{
    private const int RecentMessages = 100;

    public async Task<IReadOnlyList<string>> FromChoicesAsync(WebmailCredentials who, CancellationToken ct)
    {
        var aliases = await db.Aliases.IgnoreQueryFilters().AsNoTracking()
            .Where(a => a.LocalPart != LocalPart.CatchAll && a.Status != EntityStatus.Deleting && a.Domain!.Status != EntityStatus.Deleting
                && a.Destinations.Any(d => d.Address == who.Address))
            .Select(a => a.LocalPart + "@" + a.Domain!.Name)
            .ToListAsync(ct);
        return [who.Address, .. aliases.Where(a => !a.Equals(who.Address, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)];
    }

    /// <summary>People written to (Sent) and heard from (INBOX) lately, most recent first.</summary>
    public Task<IReadOnlyList<string>> RecentAsync(WebmailCredentials who, CancellationToken ct) =>
        pool.RunAsync<IReadOnlyList<string>>(who, async (client, t) =>
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { who.Address };
            var result = new List<string>();
            foreach (var (folder, outgoing) in new[] { (ImapFolders.Special(client, SpecialFolder.Sent), true), ((IMailFolder?)client.Inbox, false) })
            {
                if (folder is null) continue;
                await folder.OpenAsync(FolderAccess.ReadOnly, t);
                if (folder.Count == 0) continue;
                var summaries = await folder.FetchAsync(Math.Max(0, folder.Count - RecentMessages), -1, MessageSummaryItems.Envelope, t);
                foreach (var s in summaries.Reverse())
                {
                    if (s.Envelope is not { } e) continue;
                    var people = outgoing ? e.To.Mailboxes.Concat(e.Cc.Mailboxes) : e.From.Mailboxes;
                    foreach (var m in people)
                        if (seen.Add(m.Address)) result.Add(m.ToString());
                }
            }
            return result;
        }, ct);
}
