using System.Globalization;
using HostingPanel.Application.Localization;
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
public sealed class QuotaWarnings(HostingPanelDbContext db, INoticeDelivery notices, UserPreferences preferences, ILogger<QuotaWarnings> log)
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
        // In the owner's language (its own choice, else its reseller's default).
        var culture = Languages.CultureOf((await preferences.ForMailboxAsync(usage.MailboxId, ct)).Language);
        await DeliverNoticeAsync(address, level, usage.UsedBytes, quotaBytes, culture, ct);
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
        var user = await db.Users.Where(u => u.CustomerId == customerId && u.MailboxId == null && u.Email != null).OrderBy(u => u.Email)
            .Select(u => new { u.Id, Email = u.Email! }).FirstOrDefaultAsync(ct);
        if (user is null || string.Equals(user.Email, address, StringComparison.OrdinalIgnoreCase)) return;
        var contact = user.Email;
        var culture = Languages.CultureOf((await preferences.ForUserAsync(user.Id, ct)).Language);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(ProductText.Mail("Mail.Sender", culture), $"postmaster@{address[(address.IndexOf('@') + 1)..]}"));
        message.To.Add(MailboxAddress.Parse(contact));
        message.Subject = ProductText.Mail("Mail.CustomerFull.Subject", culture, address);
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = InLanguage(new TextPart("plain") { Text = ProductText.Mail("Mail.CustomerFull.Body", culture, address, used / 1048576.0, quota / 1048576.0) }, culture);
        await notices.SendAsync(contact, await BytesAsync(message, ct), ct);
    }

    private async Task DeliverNoticeAsync(string address, int level, long used, long quota, CultureInfo culture, CancellationToken ct)
    {
        var domain = address[(address.IndexOf('@') + 1)..];
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(ProductText.Mail("Mail.Sender", culture), $"postmaster@{domain}"));
        message.To.Add(MailboxAddress.Parse(address));
        message.Subject = level >= 100 ? ProductText.Mail("Mail.Quota.FullSubject", culture) : ProductText.Mail("Mail.Quota.LevelSubject", culture, level);
        var consequence = ProductText.Mail(level >= 100 ? "Mail.Quota.FullLine" : "Mail.Quota.WarnLine", culture);
        message.Body = InLanguage(new TextPart("plain") { Text = ProductText.Mail("Mail.Quota.Body", culture, address, used / 1048576.0, quota / 1048576.0, level, consequence) }, culture);
        // Delivered only where this process runs the mail engine; elsewhere the audit entry is the record of the warning.
        if (await notices.DeliverToMailboxAsync(address, await BytesAsync(message, ct), ct) == NoticeOutcome.NoRoom)
            log.LogInformation("Quota notice for {Address} not stored: the mailbox has no room for it", address);
    }

    /// <summary>Content-Language (RFC 3282) is a header of the body part: MimeKit keeps Content-* headers with the entity they describe.</summary>
    private static TextPart InLanguage(TextPart part, CultureInfo culture)
    {
        part.Headers.Add(HeaderId.ContentLanguage, culture.TwoLetterISOLanguageName);
        return part;
    }

    private static async Task<byte[]> BytesAsync(MimeMessage message, CancellationToken ct)
    {
        using var stream = new MemoryStream();
        await message.WriteToAsync(stream, ct);
        return stream.ToArray();
    }
}
