using System.Text;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Utils;

namespace HostingPanel.MailEngine.Outbound;

/// <param name="Address">The address that failed (a mailbox, or an external destination).</param>
/// <param name="OriginalRecipient">The RCPT TO address it was reached through.</param>
/// <param name="Status">RFC 3463 code, e.g. "5.2.2".</param>
/// <param name="Diagnostic">The SMTP reply, e.g. "552 5.2.2 mailbox full".</param>
public sealed record FailedRecipient(string Address, string OriginalRecipient, string Status, string Diagnostic);

/// <summary>
/// Delivery status notifications (RFC 3464 multipart/report) to the envelope sender, from the null
/// reverse-path so they never bounce in turn. A local sender gets it in its INBOX; others through the queue.
/// <c>original</c> is the failed message, or at least its header section, which is all that is returned.
/// </summary>
public sealed class BounceSender(MailDelivery delivery, OutboundQueue queue, IOptions<MailEngineOptions> options, TimeProvider time, ILogger<BounceSender> logger,
    Backscatter.SenderVerifier verifier, IOptions<Backscatter.BounceOptions> bounceOptions)
{
    private readonly string _hostname = options.Value.Hostname;

    /// <summary>
    /// A DSN for a message that nobody authenticated (<paramref name="origin"/> given: it came in on the MX port), sent
    /// only when the envelope sender is verified (<see cref="Backscatter.SenderVerifier"/>: SPF pass or aligned DKIM),
    /// so a forged sender never gets our bounce (backscatter). <paramref name="origin"/> null: an authenticated
    /// submission, whose sender the submission checks already proved; the DSN is sent as before.
    /// </summary>
    /// <param name="message">The whole message as received (the DKIM check needs the body); its header section is returned.</param>
    /// <returns>Whether a DSN was sent, and when not, why (for the delivery log).</returns>
    public async Task<Backscatter.SenderVerdict> SendIfSenderVerifiedAsync(string sender, IReadOnlyList<FailedRecipient> failed, ReadOnlyMemory<byte> message,
        DateTimeOffset arrival, Backscatter.MessageOrigin? origin, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(sender) || failed.Count == 0)
            return new Backscatter.SenderVerdict(false, "the null reverse-path gets none (RFC 5321 section 4.5.5)");
        var verdict = origin is null ? new Backscatter.SenderVerdict(true, "authenticated submission")
            : !bounceOptions.Value.RequireVerifiedSender ? new Backscatter.SenderVerdict(true, "Mail:Bounces:RequireVerifiedSender is off")
            : await verifier.VerifyAsync(origin, message, ct);
        if (verdict.Verified)
            await SendAsync(sender, failed, HeaderSectionOf(message.Span), arrival, ct);
        else
            logger.LogInformation("No bounce to <{Sender}>: {Reason}", Protocol.Smtp.SmtpText.Escape(sender), verdict.Reason);
        return verdict;
    }

    private static byte[] HeaderSectionOf(ReadOnlySpan<byte> message)
    {
        var head = message[..Math.Min(message.Length, 64 * 1024)];
        var end = head.IndexOf("\r\n\r\n"u8);
        return (end < 0 ? head : head[..(end + 4)]).ToArray();
    }

    public async Task SendAsync(string sender, IReadOnlyList<FailedRecipient> failed, byte[] original, DateTimeOffset arrival, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(sender) || failed.Count == 0)
            return;
        var dsn = Build(sender, failed, original, arrival);
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
                logger.LogWarning("Bounce to <{Sender}> dropped: no such local address", sender);
                return;
        }
        logger.LogInformation("Bounce sent to <{Sender}> for {Count} recipient(s)", sender, failed.Count);
    }

    internal byte[] Build(string sender, IReadOnlyList<FailedRecipient> failed, byte[] original, DateTimeOffset arrival)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + _hostname));
        message.To.Add(MailboxAddress.Parse(sender));
        message.Subject = "Undelivered Mail Returned to Sender";
        message.Date = time.GetUtcNow();
        message.MessageId = MimeUtils.GenerateMessageId(_hostname);
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var text = new StringBuilder();
        text.AppendLine($"This is the mail system at {_hostname}.");
        text.AppendLine();
        text.AppendLine("Your message could not be delivered to one or more recipients:");
        text.AppendLine();
        foreach (var f in failed)
            text.AppendLine($"<{f.Address}>: {f.Diagnostic}");

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", "dns; " + _hostname },
            { "Arrival-Date", DateUtils.FormatDate(arrival) },
        };
        status.StatusGroups.Add(perMessage);
        foreach (var f in failed)
        {
            var group = new HeaderList();
            if (!string.Equals(f.Address, f.OriginalRecipient, StringComparison.OrdinalIgnoreCase))
                group.Add("Original-Recipient", "rfc822; " + f.OriginalRecipient);
            group.Add("Final-Recipient", "rfc822; " + f.Address);
            group.Add("Action", "failed");
            group.Add("Status", f.Status);
            group.Add("Diagnostic-Code", "smtp; " + f.Diagnostic);
            status.StatusGroups.Add(group);
        }

        var report = new MultipartReport("delivery-status")
        {
            new TextPart("plain") { Text = text.ToString() },
            status,
            new MimePart("text", "rfc822-headers") { Content = new MimeContent(new MemoryStream(HeaderSection(original))) },
        };
        message.Body = report;
        using var output = new MemoryStream();
        message.WriteTo(FormatOptions.Default, output);
        return output.ToArray();
    }

    private static byte[] HeaderSection(byte[] message)
    {
        var end = message.AsSpan().IndexOf("\r\n\r\n"u8);
        return end < 0 ? message : message[..(end + 2)];
    }
}
