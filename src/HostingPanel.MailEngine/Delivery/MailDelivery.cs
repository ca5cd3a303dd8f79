using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Delivery;

public enum DeliveryStatus
{
    Delivered,
    OverQuota,
    /// <summary>The mailbox no longer exists or is suspended.</summary>
    Unknown,
}

public sealed record DeliveryResult(long MailboxId, DeliveryStatus Status, long Uid);

/// <summary>
/// Local delivery for SMTP (and LMTP-style callers): resolve recipients at RCPT, check room, then
/// store one durable body for all of them. <see cref="DeliverAsync"/> returns only after every
/// copy is committed, so a caller may answer 250 when all results say Delivered.
/// </summary>
public sealed class MailDelivery(MailDirectory directory, MailStore store, TimeProvider time, Hosting.MailMetrics? metrics = null)
{
    public Task<RecipientResolution> ResolveRecipientAsync(string address, CancellationToken ct = default) =>
        directory.ResolveRecipientAsync(address, ct);

    /// <summary>
    /// A quick check for RCPT TO (452 4.2.2 when false). <paramref name="size"/> is the SIZE=
    /// parameter, or 0 when unknown (then only a full mailbox fails).
    /// </summary>
    public async Task<bool> HasRoomAsync(long mailboxId, long size = 0, CancellationToken ct = default)
    {
        if (await directory.HasRoomAsync(mailboxId, size, ct))
            return true;
        // The owner's page and webmail say since when new mail is refused.
        await store.RecordRefusalAsync(mailboxId, ct);
        return false;
    }

    /// <summary>
    /// Delivers <paramref name="message"/> to the INBOX of each mailbox (duplicates collapse to one copy).
    /// Bytes are written once; each mailbox's quota is charged in full. <paramref name="maxSize"/> &gt; 0
    /// throws <see cref="MessageTooLargeException"/> when exceeded.
    /// </summary>
    public Task<IReadOnlyList<DeliveryResult>> DeliverAsync(Stream message, IReadOnlyCollection<long> mailboxIds, long maxSize = 0, CancellationToken ct = default) =>
        DeliverAsync(message, mailboxIds, maxSize, overdraftBytes: 0, ct);

    /// <summary>
    /// The product's own notices (quota warnings): delivered like mail, but with <see cref="Quotas.QuotaOverdraft.NoticeBytes"/>
    /// of reserved room past the quota, so that "your mailbox is full" reaches a full mailbox.
    /// </summary>
    public Task<IReadOnlyList<DeliveryResult>> DeliverNoticeAsync(Stream message, IReadOnlyCollection<long> mailboxIds, CancellationToken ct = default) =>
        DeliverAsync(message, mailboxIds, Quotas.QuotaOverdraft.NoticeBytes, Quotas.QuotaOverdraft.NoticeBytes, ct);

    private async Task<IReadOnlyList<DeliveryResult>> DeliverAsync(Stream message, IReadOnlyCollection<long> mailboxIds, long maxSize, long overdraftBytes, CancellationToken ct)
    {
        var targets = mailboxIds.Distinct().ToList();
        if (targets.Count == 0)
            return [];
        var started = Hosting.MailMetrics.StartTimer();
        var body = await store.Bodies.WriteAsync(message, maxSize, ct);
        AppendResult[] results;
        try
        {
            results = await store.DeliverAsync(body, targets, time.GetUtcNow(), overdraftBytes);
        }
        catch
        {
            store.Bodies.Delete(body.RelativePath);
            throw;
        }
        if (results.All(r => r.Status != StoreStatus.Ok))
            store.Bodies.Delete(body.RelativePath);
        else
            metrics?.StoreWriteSince(started);
        return targets.Select((id, i) => new DeliveryResult(id, results[i].Status switch
        {
            StoreStatus.Ok => DeliveryStatus.Delivered,
            StoreStatus.OverQuota => DeliveryStatus.OverQuota,
            _ => DeliveryStatus.Unknown,
        }, results[i].Uid)).ToList();
    }
}
