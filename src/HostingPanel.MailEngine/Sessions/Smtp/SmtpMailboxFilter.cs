using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Protocol.Smtp;
using Microsoft.Extensions.Logging;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>
/// MAIL FROM and RCPT TO checks. Refusals are thrown as <see cref="SmtpResponseException"/> (the
/// package's only way to choose the reply of a filter; it appends a retry count to the text).
/// MX: hosted domains only (no relay), unknown 550 5.1.1, full mailbox 452 4.2.2.
/// Submission: the sender must be owned by the authenticated mailbox; any destination.
/// </summary>
internal sealed class SmtpMailboxFilter(SmtpListenerKind kind, MailDelivery delivery, MailDirectory directory, SmtpLimitsOptions limits, ILogger logger)
    : IMailboxFilter
{
    public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) =>
        GuardAsync(() => AcceptFromAsync(context, from, cancellationToken));

    public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
        GuardAsync(() => DeliverToAsync(context, to, cancellationToken));

    /// <summary>Any failure other than a chosen refusal (a database error, say) is a 451, never a dropped session.</summary>
    private async Task<bool> GuardAsync(Func<Task<bool>> check)
    {
        try
        {
            return await check();
        }
        catch (Exception e) when (e is not SmtpResponseException and not OperationCanceledException)
        {
            logger.LogError(e, "SMTP envelope check failed");
            throw new SmtpResponseException(SmtpReplies.LocalError);
        }
    }

    private async Task<bool> AcceptFromAsync(ISessionContext context, IMailbox from, CancellationToken cancellationToken)
    {
        context.SetRecipientCount(0);
        if (kind == SmtpListenerKind.Mx)
            return true;
        var account = context.Account() ?? throw new SmtpResponseException(SmtpResponse.AuthenticationRequired);
        if (IsNullSender(from))
            throw new SmtpResponseException(SmtpReplies.NullSenderRefused);
        var address = MailDirectory.NormalizeAddress(from.AsAddress()) ?? throw new SmtpResponseException(SmtpReplies.BadAddress);
        if (!await directory.IsOwnedByAsync(account.Id, address, cancellationToken))
        {
            logger.LogInformation("Submission by {User} refused: sender {Sender} not owned", account.Address, SmtpText.Escape(address));
            throw new SmtpResponseException(SmtpReplies.SenderNotOwned);
        }
        return true;
    }

    private async Task<bool> DeliverToAsync(ISessionContext context, IMailbox to, CancellationToken cancellationToken)
    {
        var count = context.RecipientCount();
        if (count >= limits.MaxRecipients)
            throw new SmtpResponseException(SmtpReplies.TooManyRecipients);
        var address = MailDirectory.NormalizeAddress(to.AsAddress()) ?? throw new SmtpResponseException(SmtpReplies.BadAddress);
        var resolution = await delivery.ResolveRecipientAsync(address, context.Origin(kind), cancellationToken);
        switch (resolution.Status)
        {
            case RecipientStatus.NotHosted when kind == SmtpListenerKind.Submission:
                break;
            case RecipientStatus.NotHosted:
                throw new SmtpResponseException(SmtpReplies.RelayDenied(SmtpText.Escape(address)));
            case RecipientStatus.Unknown:
                throw new SmtpResponseException(SmtpReplies.UnknownRecipient(SmtpText.Escape(address)));
            case RecipientStatus.Disabled:
                throw new SmtpResponseException(SmtpReplies.DisabledRecipient(SmtpText.Escape(address)));
            case RecipientStatus.Ok when resolution.External.Count == 0:
                // 452 only when no destination of this address has room: for itself only, others go on.
                var anyRoom = false;
                foreach (var mailbox in resolution.Mailboxes)
                    anyRoom |= await delivery.HasRoomAsync(mailbox.MailboxId, 0, cancellationToken);
                if (!anyRoom)
                    throw new SmtpResponseException(SmtpReplies.MailboxFull(SmtpText.Escape(address)));
                break;
        }
        context.SetRecipientCount(count + 1);
        return true;
    }

    internal static bool IsNullSender(IMailbox? from) =>
        from is null || string.IsNullOrEmpty(from.User) && string.IsNullOrEmpty(from.Host);
}
