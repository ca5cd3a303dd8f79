using System.Buffers;
using System.Text;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Protocol;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>
/// The delivery log lines of one SMTP transaction at the end of DATA: what its reply did for each RCPT TO address,
/// and what happened to each destination. The Message-ID is read once from the header bytes.
/// </summary>
internal sealed class SmtpDeliveryLog(DeliveryRecorder recorder, ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> message, SmtpListenerKind kind)
{
    private readonly string _client = SmtpClientName.Of(context);
    private string? _messageId = MessageIdHeader.Find(message);

    public string Sender { get; } = SmtpMailboxFilter.IsNullSender(transaction.From) ? "" : transaction.From.AsAddress();

    /// <summary>Submission added a Message-ID the client left out (RFC 6409 section 8.3).</summary>
    public void MessageIdAdded(string addedHeaders) => _messageId ??= MessageIdHeader.Find(Encoding.ASCII.GetBytes(addedHeaders + "\r\n"));

    /// <summary>Every RCPT TO address refused with <paramref name="reply"/>; returns the reply.</summary>
    public SmtpResponse RefuseAll(string reason, SmtpResponse reply)
    {
        foreach (var to in transaction.To)
            Record(DeliveryOutcome.Refused, to.AsAddress(), reason, $"{(int)reply.ReplyCode} {reply.Message}", RecipientDomain(to.AsAddress()));
        return reply;
    }

    /// <summary>Every RCPT TO address acknowledged with <paramref name="reply"/>; returns the reply.</summary>
    public SmtpResponse AcceptAll(SmtpResponse reply)
    {
        foreach (var to in transaction.To)
            Record(DeliveryOutcome.Accepted, to.AsAddress(), null, $"{(int)reply.ReplyCode} {reply.Message}", RecipientDomain(to.AsAddress()));
        return reply;
    }

    public void Delivered(string mailbox, string original) =>
        Record(DeliveryOutcome.Delivered, mailbox, null, Via(mailbox, original) ?? "INBOX", MailDirectory.DomainOf(original));

    /// <summary>Stored, but filed by the spam filter (Junk) for <paramref name="reason"/> (spam_junk, dmarc_quarantine).</summary>
    public void Filed(string mailbox, string original, string reason, string detail) =>
        Record(DeliveryOutcome.Filed, mailbox, reason, detail + (Via(mailbox, original) is { } via ? "; " + via : ""), MailDirectory.DomainOf(original));

    /// <summary>An external destination entered the queue: queued (submission) or forwarded by a local address.</summary>
    public void Queued(string destination, string origin, string queueId)
    {
        var forwarded = !string.Equals(destination, origin, StringComparison.OrdinalIgnoreCase);
        Record(forwarded ? DeliveryOutcome.Forwarded : DeliveryOutcome.Queued, destination, null,
            (forwarded ? $"via <{origin}>, " : "") + $"queue {queueId}",
            forwarded ? MailDirectory.DomainOf(origin) : SubmitterDomain(), queueId);
    }

    /// <summary>Not stored for <paramref name="address"/>; <paramref name="reason"/> <c>dsn_suppressed</c> when its sender was not told (issue 16.10).</summary>
    public void Bounced(string address, string original, string diagnostic, string reason = "not_delivered") =>
        Record(DeliveryOutcome.Bounced, address, reason, diagnostic + (Via(address, original) is { } via ? "; " + via : ""), MailDirectory.DomainOf(original));

    /// <summary>
    /// The hosted domain whose tenant may read a line about <paramref name="recipient"/>: on MX the recipient's own
    /// (mail for a hosted domain); on submission the authenticated user's, so recipients elsewhere stay private.
    /// </summary>
    private string? RecipientDomain(string recipient) =>
        kind == SmtpListenerKind.Submission ? SubmitterDomain() : MailDirectory.NormalizeAddress(recipient) is { } a ? MailDirectory.DomainOf(a) : null;

    private string? SubmitterDomain() => context.Account() is { } account ? MailDirectory.DomainOf(account.Address) : null;

    private static string? Via(string address, string original) =>
        string.Equals(address, original, StringComparison.OrdinalIgnoreCase) ? null : $"via <{original}>";

    private void Record(DeliveryOutcome outcome, string recipient, string? reason, string? detail, string? localDomain, string? queueId = null) =>
        recorder.Record(new DeliveryEvent(recorder.Clock.GetUtcNow(), outcome, Sender, recipient.ToLowerInvariant(), _messageId, message.Length, _client,
            reason, detail, localDomain, queueId));
}
