using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Outbound;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace HostingPanel.Provisioning;

/// <summary>
/// Quota warnings at 80 %, 95 % and 100 %, once per crossing: delivered into the mailbox itself (while it
/// has room for the notice, or within the headroom kept for notices), at 100 % also to the customer's contact
/// address, and recorded in the audit log, where the customer's portal shows it.
/// Falling back under 80 % re-arms them.
/// </summary>
public sealed class QuotaWarnings(HostingPanelDbContext db, IServiceProvider services, ILogger<QuotaWarnings> log)
{
    public static readonly int[] Levels = [80, 95, 100];

    public async Task CheckAsync(MailboxUsage usage, string address, long quotaBytes, Guid customerId, Guid? resellerId, CancellationToken ct)
    {
        if (quotaBytes <= 0) return;
        var percent = usage.UsedBytes * 100.0 / quotaBytes;
        var level = Levels.LastOrDefault(l => percent >= l);
        if (level == 0)
        {
            if (usage.WarnedLevel != 0) usage.SetWarnedLevel(0);
            return;
        }
        if (level <= usage.WarnedLevel) return;

        usage.SetWarnedLevel(level);
        db.AuditEntries.Add(new AuditEntry("system", "mailbox.quota-warning", "Mailbox", address,
            $"{level} % of the quota used ({usage.UsedBytes} of {quotaBytes} bytes)", null) { CustomerId = customerId, ResellerId = resellerId });
        await DeliverNoticeAsync(address, level, usage.UsedBytes, quotaBytes, ct);
        // A full mailbox is the customer's business too: its owner may not read this mailbox at all.
        if (level >= 100) await NotifyCustomerAsync(address, usage.UsedBytes, quotaBytes, customerId, ct);
    }

    /// <summary>
    /// The 100 % notice to the customer's contact address (its portal login): delivered locally when that is a
    /// hosted mailbox (with the notices' headroom), otherwise through the outbound queue from the null sender,
    /// so that an automatic notice never bounces back (RFC 3834 section 3.3).
    /// </summary>
    private async Task NotifyCustomerAsync(string address, long used, long quota, Guid customerId, CancellationToken ct)
    {
        var delivery = services.GetService<MailDelivery>();
        var queue = services.GetService<OutboundQueue>();
        if (delivery is null || queue is null) return;
        var contact = await db.Users.Where(u => u.CustomerId == customerId && u.MailboxId == null && u.Email != null).OrderBy(u => u.Email).Select(u => u.Email!).FirstOrDefaultAsync(ct);
        if (contact is null || string.Equals(contact, address, StringComparison.OrdinalIgnoreCase)) return;
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail system", $"postmaster@{address[(address.IndexOf('@') + 1)..]}"));
        message.To.Add(MailboxAddress.Parse(contact));
        message.Subject = $"Mailbox {address} is full";
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new TextPart("plain")
        {
            Text = $"""
                The mailbox {address} in your account uses {used / 1048576.0:0.0} MB of its {quota / 1048576.0:0.0} MB.
                New mail to it is being refused until space is freed: its owner can delete messages and empty Trash
                (webmail and mail programs still can delete), or you can give it a larger quota in the portal.
                """,
        };
        using var stream = new MemoryStream();
        await message.WriteToAsync(stream, ct);
        var bytes = stream.ToArray();
        var resolution = await delivery.ResolveRecipientAsync(contact, ct);
        if (resolution.Status == RecipientStatus.Ok && resolution.Mailboxes.Count > 0)
            await delivery.DeliverNoticeAsync(new MemoryStream(bytes), resolution.Mailboxes.Select(m => m.MailboxId).ToList(), ct);
        IReadOnlyList<string> external = resolution.Status == RecipientStatus.NotHosted ? [contact] : resolution.Status == RecipientStatus.Ok ? resolution.External : [];
        if (external.Count > 0)
            await queue.EnqueueAsync("", external, bytes, isBounce: true, ct);
    }

    private async Task DeliverNoticeAsync(string address, int level, long used, long quota, CancellationToken ct)
    {
        // Only where this process runs the mail engine; a portal-only node records the warning in the audit log.
        var directory = services.GetService<MailDirectory>();
        var delivery = services.GetService<MailDelivery>();
        if (directory is null || delivery is null) return;
        var account = await directory.FindMailboxAsync(address, ct);
        if (account is null) return;

        var domain = address[(address.IndexOf('@') + 1)..];
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail system", $"postmaster@{domain}"));
        message.To.Add(MailboxAddress.Parse(address));
        message.Subject = level >= 100 ? "Your mailbox is full" : $"Your mailbox is {level}% full";
        message.Body = new TextPart("plain")
        {
            Text = $"""
                Your mailbox {address} uses {used / 1048576.0:0.0} MB of its {quota / 1048576.0:0.0} MB ({level}%).
                {(level >= 100 ? "New mail cannot be delivered until you delete messages." : "When it is full, new mail cannot be delivered.")}
                Delete messages you do not need, empty the Trash and Junk folders, or ask your provider for a larger quota.
                Every folder counts: Inbox, Sent, Drafts, Trash, Junk, Archive and your own folders.
                """,
        };
        using var stream = new MemoryStream();
        await message.WriteToAsync(stream, ct);
        stream.Position = 0;
        var result = await delivery.DeliverNoticeAsync(stream, [account.Id], ct);
        if (result.Any(r => r.Status != DeliveryStatus.Delivered))
            log.LogInformation("Quota notice for {Address} not stored: the mailbox has no room for it", address);
    }
}
