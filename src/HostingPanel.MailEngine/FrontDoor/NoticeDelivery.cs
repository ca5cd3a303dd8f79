using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Outbound;

namespace HostingPanel.MailEngine.FrontDoor;

/// <summary>Notices through local delivery (with headroom) and the outbound queue (null sender).</summary>
internal sealed class NoticeDelivery(MailDelivery delivery, MailDirectory directory, OutboundQueue queue) : INoticeDelivery
{
    public async Task<NoticeOutcome> SendAsync(string recipient, byte[] message, CancellationToken ct = default)
    {
        var resolution = await delivery.ResolveRecipientAsync(recipient, ct);
        if (resolution.Status == RecipientStatus.Ok && resolution.Mailboxes.Count > 0)
            await delivery.DeliverNoticeAsync(new MemoryStream(message), resolution.Mailboxes.Select(m => m.MailboxId).ToList(), ct);
        IReadOnlyList<string> external = resolution.Status switch
        {
            RecipientStatus.NotHosted => [recipient],
            RecipientStatus.Ok => resolution.External,
            _ => [],
        };
        if (external.Count > 0)
            await queue.EnqueueAsync("", external, message, isBounce: true, ct);
        return NoticeOutcome.Sent;
    }

    public async Task<NoticeOutcome> DeliverToMailboxAsync(string mailboxAddress, byte[] message, CancellationToken ct = default)
    {
        var account = await directory.FindMailboxAsync(mailboxAddress, ct);
        if (account is null)
            return NoticeOutcome.NoSuchMailbox;
        var results = await delivery.DeliverNoticeAsync(new MemoryStream(message), [account.Id], ct);
        return results.All(r => r.Status == DeliveryStatus.Delivered) ? NoticeOutcome.Sent : NoticeOutcome.NoRoom;
    }
}
