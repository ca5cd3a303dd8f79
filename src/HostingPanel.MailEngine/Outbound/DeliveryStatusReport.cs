using System.Text;
using HostingPanel.MailEngine.Protocol.Smtp;
using MimeKit;
using MimeKit.Utils;

namespace HostingPanel.MailEngine.Outbound;

/// <summary>RFC 3464 section 2.3.3: what happened to one recipient.</summary>
public enum DsnAction
{
    Failed,
    Delayed,
    Delivered,
    /// <summary>Passed to a next hop that does not speak DSN: no further report will come (RFC 3461 section 6.2.1).</summary>
    Relayed,
    Expanded,
}

/// <summary>One recipient's part of a delivery status notification.</summary>
/// <param name="FinalRecipient">The address the outcome is about (a mailbox, or an external destination).</param>
/// <param name="OriginalRecipient">"type;address": the client's ORCPT, or "rfc822;" and the RCPT TO address it was reached through; null when the same.</param>
/// <param name="Status">RFC 3463 code, e.g. "5.2.2", "2.0.0".</param>
/// <param name="Diagnostic">The SMTP reply, e.g. "552 5.2.2 mailbox full"; null for a success.</param>
public sealed record DsnRecipientReport(string FinalRecipient, string? OriginalRecipient, DsnAction Action, string Status, string? Diagnostic);

/// <summary>
/// Builds delivery status notifications: RFC 3464 multipart/report with a human-readable part, the
/// message/delivery-status part (per-message fields, then one group per recipient) and the original
/// (RFC 3461 section 4.3: the whole message for a failure with RET=FULL, else its header section).
/// Only the bytes; whom they go to, and whether, is <see cref="BounceSender"/>'s decision.
/// </summary>
public static class DeliveryStatusReport
{
    public static byte[] Build(string reportingMta, string to, DsnEnvelope envelope, IReadOnlyList<DsnRecipientReport> recipients,
        byte[] original, DateTimeOffset arrival, DateTimeOffset now)
    {
        var anyFailed = recipients.Any(r => r.Action == DsnAction.Failed);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + reportingMta));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = anyFailed ? "Undelivered Mail Returned to Sender"
            : recipients.Any(r => r.Action == DsnAction.Delayed) ? "Delayed Mail (still being retried)"
            : "Successful Mail Delivery Report";
        message.Date = now;
        message.MessageId = MimeUtils.GenerateMessageId(reportingMta);
        // RFC 3834 section 5: an automatic message, never answered automatically.
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList();
        if (envelope.EnvelopeId is { } id)
            perMessage.Add("Original-Envelope-Id", id); // RFC 3464 2.2.1, decoded from ENVID's xtext
        perMessage.Add("Reporting-MTA", "dns; " + reportingMta);
        perMessage.Add("Arrival-Date", DateUtils.FormatDate(arrival));
        status.StatusGroups.Add(perMessage);
        foreach (var r in recipients)
        {
            var group = new HeaderList();
            if (r.OriginalRecipient is { } orcpt)
                group.Add("Original-Recipient", OriginalRecipientField(orcpt));
            group.Add("Final-Recipient", "rfc822; " + r.FinalRecipient);
            group.Add("Action", r.Action.ToString().ToLowerInvariant());
            group.Add("Status", r.Status);
            if (r.Diagnostic is { } diagnostic)
                group.Add("Diagnostic-Code", "smtp; " + diagnostic);
            status.StatusGroups.Add(group);
        }

        MimeEntity returned = anyFailed && envelope.Return == DsnReturn.Full
            ? new MessagePart("rfc822") { Message = MimeMessage.Load(Protocol.Imap.Mime.ImapMessageStructure.ParserOptions, new MemoryStream(original)) }
            : new MimePart("text", "rfc822-headers") { Content = new MimeContent(new MemoryStream(HeaderSection(original))) };
        message.Body = new MultipartReport("delivery-status")
        {
            new TextPart("plain") { Text = HumanReadable(reportingMta, recipients) },
            status,
            returned,
        };
        using var output = new MemoryStream();
        message.WriteTo(FormatOptions.Default, output);
        return output.ToArray();
    }

    /// <summary>RFC 3464 2.3.1: "rfc822; address"; the type as the client gave it.</summary>
    private static string OriginalRecipientField(string orcpt)
    {
        var semicolon = orcpt.IndexOf(';');
        return semicolon < 0 ? "rfc822; " + orcpt : orcpt[..semicolon] + "; " + orcpt[(semicolon + 1)..];
    }

    private static string HumanReadable(string reportingMta, IReadOnlyList<DsnRecipientReport> recipients)
    {
        var text = new StringBuilder();
        text.AppendLine($"This is the mail system at {reportingMta}.");
        foreach (var group in recipients.GroupBy(r => r.Action))
        {
            text.AppendLine();
            text.AppendLine(group.Key switch
            {
                DsnAction.Failed => "Your message could not be delivered to one or more recipients:",
                DsnAction.Delayed => "Your message has not been delivered yet to these recipients; delivery is still being tried:",
                DsnAction.Relayed => "Your message was passed on to a server that sends no delivery notifications, for:",
                DsnAction.Expanded => "Your message was delivered to the members of these lists:",
                _ => "Your message was delivered to:",
            });
            text.AppendLine();
            foreach (var r in group)
                text.AppendLine(r.Diagnostic is null ? $"<{r.FinalRecipient}>" : $"<{r.FinalRecipient}>: {r.Diagnostic}");
        }
        return text.ToString();
    }

    /// <summary>The header section, up to and including the CRLF that ends its last field.</summary>
    public static byte[] HeaderSection(byte[] message)
    {
        var end = message.AsSpan().IndexOf("\r\n\r\n"u8);
        return end < 0 ? message : message[..(end + 2)];
    }
}
