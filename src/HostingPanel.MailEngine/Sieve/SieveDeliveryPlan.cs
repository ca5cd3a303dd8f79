using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>A local recipient of one delivery: its mailbox, its address, and the RCPT TO address that reached it.</summary>
public sealed record SieveRecipient(long MailboxId, string Address, string OriginalRecipient);

/// <summary>
/// What the scripts of one delivery decided, before anything is stored: the copies (with
/// <see cref="Owners"/> naming the recipient each belongs to, or -1 for a local redirect target),
/// the refusals, and what to send after the commit.
/// </summary>
internal sealed class SieveDeliveryPlan
{
    public List<StorePlacement> Placements { get; } = [];
    public List<long> Owners { get; } = [];
    public Dictionary<long, string> Rejected { get; } = [];
    /// <summary>Redirects that leave through the outbound queue; <c>Body</c> is the edited copy to send (null: the delivery's body).</summary>
    public List<(SieveRecipient Recipient, IReadOnlyList<string> Addresses, WrittenBody? Body)> ExternalRedirects { get; } = [];

    /// <summary>Bodies written for header states that editheader produced, one per state (RFC 5293).</summary>
    public Dictionary<MimeKit.HeaderList, WrittenBody> EditedBodies { get; } = new(ReferenceEqualityComparer.Instance);
    public List<(SieveRecipient Recipient, SieveVacationAction Vacation, SieveMessage Message)> Vacations { get; } = [];

    /// <summary>enotify notifications (RFC 5435), sent after the commit.</summary>
    public List<(SieveRecipient Recipient, SieveNotifyAction Notification, SieveMessage Message)> Notifications { get; } = [];

    public void Add(long owner, StorePlacement placement)
    {
        Placements.Add(placement);
        Owners.Add(owner);
    }
}
