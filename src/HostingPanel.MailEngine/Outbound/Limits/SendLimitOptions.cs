namespace HostingPanel.MailEngine.Outbound.Limits;

/// <summary>
/// <c>Mail:SendLimits:*</c>: how much authenticated senders may send to the outside per sliding hour. 0 switches a
/// limit off. Only recipients outside this server count (mail between hosted mailboxes harms nobody's reputation).
/// </summary>
public sealed class SendLimitOptions
{
    public const string SectionName = "Mail:SendLimits";

    public int MessagesPerHourPerMailbox { get; set; } = 200;
    public int RecipientsPerHourPerMailbox { get; set; } = 500;
    public int MessagesPerHourPerDomain { get; set; } = 1000;
    public int RecipientsPerHourPerDomain { get; set; } = 2500;
}
