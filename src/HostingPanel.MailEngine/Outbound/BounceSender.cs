using System.Text;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using HostingPanel.MailEngine.Protocol.Smtp;

namespace HostingPanel.MailEngine.Outbound;

/// <param name="Address">The address that failed (a mailbox, or an external destination).</param>
/// <param name="OriginalRecipient">The RCPT TO address it was reached through.</param>
/// <param name="Status">RFC 3463 code, e.g. "5.2.2".</param>
/// <param name="Diagnostic">The SMTP reply, e.g. "552 5.2.2 mailbox full".</param>
/// <param name="OriginalRecipientParameter">The client's ORCPT ("type;address", RFC 3461 4.2), reported instead of <paramref name="OriginalRecipient"/>.</param>
public sealed record FailedRecipient(string Address, string OriginalRecipient, string Status, string Diagnostic, string? OriginalRecipientParameter = null);

/// <summary>
/// Sends delivery status notifications (built by <see cref="DeliveryStatusReport"/>, RFC 3464) to the
/// envelope sender, from the null reverse-path so they never bounce in turn. A local sender gets it in
/// its INBOX; others through the queue. <c>original</c> is the message, or at least its header section.
/// Which recipients are reported (RFC 3461 NOTIFY) is the caller's choice; whether and where the report
/// goes is decided here.
/// </summary>
public sealed class BounceSender(MailDelivery delivery, OutboundQueue queue, IOptions<MailEngineOptions> options, TimeProvider time, ILogger<BounceSender> logger,
    Backscatter.SenderVerifier verifier, IOptions<Backscatter.BounceOptions> bounceOptions)
{
    private readonly string _hostname = options.Value.Hostname;

    /// <summary>
    /// Whether a report may go to <paramref name="sender"/>. For a message nobody authenticated (<paramref name="origin"/>
    /// given: it came in on the MX port) only when the envelope sender is verified (<see cref="Backscatter.SenderVerifier"/>:
    /// SPF pass or aligned DKIM), so a forged sender never gets our bounce (backscatter). <paramref name="origin"/> null:
    /// an authenticated submission, whose sender the submission checks already proved.
    /// </summary>
    /// <param name="message">The whole message as received (the DKIM check needs the body).</param>
    public async Task<Backscatter.SenderVerdict> MayReportToAsync(string sender, ReadOnlyMemory<byte> message, Backscatter.MessageOrigin? origin, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(sender))
            return new Backscatter.SenderVerdict(false, "the null reverse-path gets none (RFC 5321 section 4.5.5)");
        var verdict = origin is null ? new Backscatter.SenderVerdict(true, "authenticated submission")
            : !bounceOptions.Value.RequireVerifiedSender ? new Backscatter.SenderVerdict(true, "Mail:Bounces:RequireVerifiedSender is off")
            : await verifier.VerifyAsync(origin, message, ct);
        if (!verdict.Verified)
            logger.LogInformation("No delivery status notification to <{Sender}>: {Reason}", Protocol.Smtp.SmtpText.Escape(sender), verdict.Reason);
        return verdict;
    }

    /// <summary>A failure report for <paramref name="failed"/>, without DSN parameters.</summary>
    public Task SendAsync(string sender, IReadOnlyList<FailedRecipient> failed, byte[] original, DateTimeOffset arrival, CancellationToken ct = default) =>
        SendReportAsync(sender, DsnEnvelope.None, failed.Select(ToReport).ToList(), original, arrival, ct);

    /// <summary>A report on <paramref name="recipients"/> (any mix of actions) with the transaction's RET and ENVID.</summary>
    public async Task SendReportAsync(string sender, DsnEnvelope envelope, IReadOnlyList<DsnRecipientReport> recipients, byte[] original,
        DateTimeOffset arrival, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(sender) || recipients.Count == 0)
            return;
        var dsn = DeliveryStatusReport.Build(_hostname, sender, envelope, recipients, original, arrival, time.GetUtcNow());
        var resolution = await delivery.ResolveRecipientAsync(sender, ct);
        switch (resolution.Status)
        {
            case RecipientStatus.NotHosted:
                await queue.EnqueueAsync("", [sender], dsn, isBounce: true, ct);
                break;
            case RecipientStatus.Ok:
                if (resolution.Mailboxes.Count > 0)
                {
                    var local = Encoding.ASCII.GetBytes("Return-Path: <>\r\n").Concat(dsn).ToArray();
                    await delivery.DeliverAsync(new MemoryStream(local), resolution.Mailboxes.Select(m => m.MailboxId).ToList(), 0, ct);
                }
                if (resolution.External.Count > 0)
                    await queue.EnqueueAsync("", resolution.External, dsn, isBounce: true, ct);
                break;
            default:
                logger.LogWarning("Delivery status notification to <{Sender}> dropped: no such local address", sender);
                return;
        }
        logger.LogInformation("Delivery status notification sent to <{Sender}> for {Count} recipient(s)", sender, recipients.Count);
    }

    private static DsnRecipientReport ToReport(FailedRecipient f) =>
        new(f.Address, f.OriginalRecipientParameter ?? (string.Equals(f.Address, f.OriginalRecipient, StringComparison.OrdinalIgnoreCase) ? null : "rfc822;" + f.OriginalRecipient),
            DsnAction.Failed, f.Status, f.Diagnostic);
}
