using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.FrontDoor;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace HostingPanel.Provisioning;

/// <summary>
/// Quota warnings at 80 %, 95 % and 100 %, once per crossing: delivered into the mailbox itself (while it
/// has room for the notice, or within the headroom kept for notices), at 100 % also to the customer's contact
/// address, and recorded in the audit log, where the customer's portal shows it.
/// Falling back under 80 % re-arms them.
/// </summary>
public sealed class QuotaWarnings(HostingPanelDbContext db, INoticeDelivery notices, ILogger<QuotaWarnings> log)
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
        await notices.SendAsync(contact, await BytesAsync(message, ct), ct);
    }

    private async Task DeliverNoticeAsync(string address, int level, long used, long quota, CancellationToken ct)
    {
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
        // Delivered only where this process runs the mail engine; elsewhere the audit entry is the record of the warning.
        if (await notices.DeliverToMailboxAsync(address, await BytesAsync(message, ct), ct) == NoticeOutcome.NoRoom)
            log.LogInformation("Quota notice for {Address} not stored: the mailbox has no room for it", address);
    }

    private static async Task<byte[]> BytesAsync(MimeMessage message, CancellationToken ct)
    {
        using var stream = new MemoryStream();
        await message.WriteToAsync(stream, ct);
        return stream.ToArray();
    }
}
