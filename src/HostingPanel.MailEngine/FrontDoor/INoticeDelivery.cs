namespace HostingPanel.MailEngine.FrontDoor;

/// <summary>What became of one of the product's own notices.</summary>
public enum NoticeOutcome
{
    /// <summary>Stored in the hosted mailboxes it resolves to, queued for the outside ones, or both.</summary>
    Sent,
    /// <summary>The mailbox had no room for it, not even in the headroom kept for notices.</summary>
    NoRoom,
    /// <summary>The address is not a hosted mailbox (only for <see cref="INoticeDelivery.DeliverToMailboxAsync"/>).</summary>
    NoSuchMailbox,
    /// <summary>This process runs no mail engine, so nothing can be delivered from here.</summary>
    NoEngineHere,
}

/// <summary>
/// The product's own mail (quota warnings, reset links, notices to customers), delivered by the engine: a hosted
/// recipient gets it in its mailbox with the notices' quota headroom (<c>QuotaOverdraft.NoticeBytes</c>); any other
/// address through the outbound queue from the null sender, so an automatic notice never bounces back (RFC 3834
/// section 3.3). <paramref name="message"/> is the whole MIME message.
/// </summary>
public interface INoticeDelivery
{
    /// <summary>To any address: a mailbox, an alias (every destination), or an outside address.</summary>
    Task<NoticeOutcome> SendAsync(string recipient, byte[] message, CancellationToken ct = default);

    /// <summary>Into one hosted mailbox itself, never through an alias or forward: a mailbox's own warning.</summary>
    Task<NoticeOutcome> DeliverToMailboxAsync(string mailboxAddress, byte[] message, CancellationToken ct = default);
}
