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
internal sealed class SmtpMailboxFilter(
    SmtpListenerKind kind, MailDelivery delivery, MailDirectory directory, SmtpLimitsOptions limits, DeliveryRecorder recorder, SmtpDeliverability deliverability, ILogger logger)
    : IMailboxFilter
{
    public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) =>
        GuardAsync(() => AcceptFromAsync(context, from, cancellationToken));

    public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken) =>
        GuardAsync(() => DeliverToAsync(context, to, from, cancellationToken));

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
        context.StartTransaction();
        if (kind == SmtpListenerKind.Mx)
            return true;
        var account = context.Account() ?? throw new SmtpResponseException(SmtpResponse.AuthenticationRequired);
        if (IsNullSender(from))
            throw new SmtpResponseException(SmtpReplies.NullSenderRefused);
        var address = MailDirectory.NormalizeAddress(from.AsAddress()) ?? throw new SmtpResponseException(SmtpReplies.BadAddress);
        if (!await directory.IsOwnedByAsync(account.Id, address, cancellationToken))
        {
            logger.LogInformation("Submission by {User} refused: sender {Sender} not owned", account.Address, SmtpText.Escape(address));
            throw Refuse(context, address, "", "sender_not_owned", SmtpReplies.SenderNotOwned, MailDirectory.DomainOf(account.Address));
        }
        // A held mailbox learns it at once, before it sends the message again.
        if (await deliverability.Limits.HeldReasonAsync(account.Id, cancellationToken) is { } held)
            throw Refuse(context, address, "", "sending_held", SmtpReplies.SendingLimited(held), MailDirectory.DomainOf(account.Address));
        return true;
    }

    private async Task<bool> DeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
    {
        var sender = IsNullSender(from) ? "" : from.AsAddress();
        var count = context.RecipientCount();
        if (count >= limits.MaxRecipients)
            throw Refuse(context, sender, to.AsAddress(), "too_many_recipients", SmtpReplies.TooManyRecipients, null);
        var address = MailDirectory.NormalizeAddress(to.AsAddress())
            ?? throw Refuse(context, sender, to.AsAddress(), "bad_address", SmtpReplies.BadAddress, null);
        var domain = MailDirectory.DomainOf(address);
        if (await delivery.ReverseSrsAsync(address, cancellationToken) is { } srs)
        {
            // Only bounces come back to an SRS address: anything else would make it a relay for whoever learnt one.
            if (sender.Length > 0)
                throw Refuse(context, sender, address, "srs_not_bounce", SmtpReplies.SrsOnlyBounces(SmtpText.Escape(address)), domain);
            if (srs.Status != Outbound.Srs.SrsReverseStatus.Ok)
                throw Refuse(context, sender, address, "srs_invalid", SmtpReplies.SrsInvalid(SmtpText.Escape(address),
                    srs.Status == Outbound.Srs.SrsReverseStatus.Expired ? "expired" : "invalid"), domain);
        }
        var resolution = await delivery.ResolveRecipientAsync(address, context.Origin(kind), cancellationToken);
        switch (resolution.Status)
        {
            case RecipientStatus.NotHosted when kind == SmtpListenerKind.Submission:
                break;
            case RecipientStatus.NotHosted:
                throw Refuse(context, sender, address, "relay_denied", SmtpReplies.RelayDenied(SmtpText.Escape(address)), null);
            case RecipientStatus.Unknown:
                throw Refuse(context, sender, address, "unknown_recipient", SmtpReplies.UnknownRecipient(SmtpText.Escape(address)), domain);
            case RecipientStatus.Disabled:
                throw Refuse(context, sender, address, "disabled_recipient", SmtpReplies.DisabledRecipient(SmtpText.Escape(address)), domain);
            case RecipientStatus.Ok when resolution.External.Count == 0:
                // 452 only when no destination of this address has room: for itself only, others go on.
                var anyRoom = false;
                foreach (var mailbox in resolution.Mailboxes)
                    anyRoom |= await delivery.HasRoomAsync(mailbox.MailboxId, 0, cancellationToken);
                if (!anyRoom)
                    throw Refuse(context, sender, address, "mailbox_full", SmtpReplies.MailboxFull(SmtpText.Escape(address)), domain);
                break;
        }
        context.SetRecipientCount(count + 1);
        context.AcceptRecipient(address);
        return true;
    }

    /// <summary>Logs the refusal (delivery log, metrics) and gives the exception that sends <paramref name="reply"/>.</summary>
    private SmtpResponseException Refuse(ISessionContext context, string sender, string recipient, string reason, SmtpResponse reply, string? localDomain)
    {
        recorder.Record(new DeliveryEvent(recorder.Clock.GetUtcNow(), DeliveryOutcome.Refused, sender, recipient, null, 0,
            SmtpClientName.Of(context), reason, $"{(int)reply.ReplyCode} {reply.Message}", localDomain));
        return new SmtpResponseException(reply);
    }

    internal static bool IsNullSender(IMailbox? from) =>
        from is null || string.IsNullOrEmpty(from.User) && string.IsNullOrEmpty(from.Host);
}
