using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Protocol.Smtp;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Storage;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>
/// Where one message goes once DATA has ended: every RCPT expanded again (aliases, forwards, catch-all), each local
/// mailbox once, each outside destination once with the local address it came through, and the recipients that went
/// away since RCPT.
/// </summary>
internal sealed class SmtpRecipientPlan
{
    /// <summary>Local mailboxes by engine id: the final address and the RCPT address it was reached through.</summary>
    public Dictionary<long, (string Address, string Original)> Locals { get; } = [];

    /// <summary>Outside destinations, in the order first reached.</summary>
    public List<string> External { get; } = [];

    /// <summary>Where each outside destination came from: itself (submission), or the local address that forwards to it.</summary>
    public Dictionary<string, string> ExternalOrigin { get; } = new(StringComparer.Ordinal);

    public List<FailedRecipient> Failures { get; } = [];

    public string OriginOf(string destination) => ExternalOrigin.GetValueOrDefault(destination, destination);

    public static async Task<SmtpRecipientPlan> ResolveAsync(MailDelivery delivery, SmtpListenerKind kind, ISessionContext context,
        IMessageTransaction transaction, CancellationToken ct)
    {
        var plan = new SmtpRecipientPlan();
        foreach (var to in transaction.To)
        {
            var address = MailDirectory.NormalizeAddress(to.AsAddress());
            if (address is null)
                continue;
            var resolution = await delivery.ResolveRecipientAsync(address, context.Origin(kind), ct);
            switch (resolution.Status)
            {
                case RecipientStatus.NotHosted when kind == SmtpListenerKind.Submission:
                    plan.AddExternal(address, address);
                    break;
                case RecipientStatus.Ok:
                    foreach (var mailbox in resolution.Mailboxes)
                        plan.Locals.TryAdd(mailbox.MailboxId, (mailbox.Address, address));
                    foreach (var e in resolution.External)
                        plan.AddExternal(e, address);
                    break;
                default:
                    // Changed since RCPT (removed meanwhile).
                    plan.Failures.Add(new FailedRecipient(address, address, "5.1.1", SmtpReplies.NoSuchUserDiagnostic));
                    break;
            }
        }
        return plan;
    }

    private void AddExternal(string destination, string origin)
    {
        if (External.Contains(destination))
            return;
        External.Add(destination);
        ExternalOrigin[destination] = origin;
    }
}
