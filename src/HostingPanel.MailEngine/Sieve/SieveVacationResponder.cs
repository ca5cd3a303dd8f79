using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Utils;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// Vacation replies (RFC 5230, RFC 3834): decides whether this sender may get one now, records it,
/// and sends it from the null reverse-path through the outbound queue (or into a local INBOX).
/// </summary>
public sealed class SieveVacationResponder(SieveVacationLog log, MailStore store, MailDirectory directory, OutboundQueue queue,
    IOptions<SieveOptions> options, IOptions<MailEngineOptions> mail, TimeProvider time, ILogger<SieveVacationResponder> logger)
{
    private static readonly string[] ListHeaders = ["List-Id", "List-Help", "List-Subscribe", "List-Unsubscribe", "List-Post", "List-Owner", "List-Archive"];
    private static readonly string[] RecipientHeaders = ["To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"];

    /// <summary>Why no reply is sent to this message, or null when one may be (before the once-per-period check).</summary>
    internal static string? ReasonNotToReply(SieveMessage message, SieveRecipient recipient, SieveVacationAction vacation)
    {
        var sender = message.EnvelopeFrom;
        // RFC 5230 section 4.6 / RFC 3834 section 2: never to the null sender or to list and system addresses.
        if (sender.Length == 0)
            return "null sender";
        var local = sender[..Math.Max(0, sender.LastIndexOf('@'))].ToLowerInvariant();
        if (local is "mailer-daemon" or "postmaster" or "listserv" or "majordomo" or "mailman" or "nobody" or "noreply" or "no-reply"
            || local.StartsWith("owner-", StringComparison.Ordinal) || local.EndsWith("-request", StringComparison.Ordinal)
            || local.EndsWith("-owner", StringComparison.Ordinal) || local.EndsWith("-bounces", StringComparison.Ordinal))
            return "system or list sender";
        var own = OwnAddresses(recipient, vacation);
        if (own.Contains(sender))
            return "own address";
        // RFC 3834 section 2 and 5: Auto-Submitted other than "no" is never answered.
        if (message.Header("Auto-Submitted").Any(v => !v.Split(';')[0].Trim().Equals("no", StringComparison.OrdinalIgnoreCase)))
            return "auto-submitted";
        if (message.Header("Precedence").Any(v => v.Trim().ToLowerInvariant() is "bulk" or "list" or "junk"))
            return "bulk precedence";
        if (ListHeaders.Any(h => message.Header(h).Count > 0))
            return "mailing list";
        if (message.Header("X-Auto-Response-Suppress").Any(v => v.Contains("All", StringComparison.OrdinalIgnoreCase) || v.Contains("OOF", StringComparison.OrdinalIgnoreCase)))
            return "auto-response suppressed";
        // RFC 5230 section 4.5: only when one of the user's addresses is a visible recipient.
        var visible = new List<string>();
        foreach (var h in RecipientHeaders)
            message.Addresses(h, visible);
        if (!visible.Any(own.Contains))
            return "not addressed to the user";
        return null;
    }

    private static HashSet<string> OwnAddresses(SieveRecipient recipient, SieveVacationAction vacation)
    {
        var own = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { recipient.Address, recipient.OriginalRecipient };
        foreach (var a in vacation.Addresses)
            if (SieveAddresses.ParseSingle(a) is { } parsed)
                own.Add(parsed);
        if (vacation.From is not null && SieveAddresses.ParseSingle(vacation.From) is { } from)
            own.Add(from);
        return own;
    }

    internal async Task<bool> RespondAsync(SieveRecipient recipient, SieveVacationAction vacation, SieveMessage message, CancellationToken ct)
    {
        if (ReasonNotToReply(message, recipient, vacation) is { } reason)
        {
            logger.LogInformation("Vacation reply of mailbox {Mailbox} to <{Sender}> not sent: {Reason}", recipient.MailboxId, message.EnvelopeFrom, reason);
            return false;
        }
        var o = options.Value;
        var period = vacation.Seconds is { } s ? TimeSpan.FromSeconds(s) : o.VacationDefaultPeriod;
        // :seconds 0 (RFC 6131) means every time; otherwise clamp into the configured range.
        if (vacation.Seconds != 0)
            period = period < o.VacationMinPeriod ? o.VacationMinPeriod : period > o.VacationMaxPeriod ? o.VacationMaxPeriod : period;
        var now = time.GetUtcNow();
        if (period > TimeSpan.Zero && !await log.TryRecordAsync(recipient.MailboxId, message.EnvelopeFrom, vacation.Handle, now, now + period, ct))
        {
            logger.LogInformation("Vacation reply of mailbox {Mailbox} to <{Sender}> not sent: already answered in the period", recipient.MailboxId, message.EnvelopeFrom);
            return false;
        }
        var reply = Build(recipient, vacation, message, now);
        await SendAsync(message.EnvelopeFrom, reply, ct);
        logger.LogInformation("Vacation reply of mailbox {Mailbox} sent to <{Sender}>", recipient.MailboxId, message.EnvelopeFrom);
        return true;
    }

    /// <summary>RFC 5230 section 5 and RFC 3834 section 3: From the user, To the sender, In-Reply-To/References, Auto-Submitted: auto-replied.</summary>
    internal byte[] Build(SieveRecipient recipient, SieveVacationAction vacation, SieveMessage original, DateTimeOffset now)
    {
        var reply = new MimeMessage();
        reply.From.Add(vacation.From is not null && MailboxAddress.TryParse(vacation.From, out var from) ? from : MailboxAddress.Parse(recipient.Address));
        reply.To.Add(MailboxAddress.Parse(original.EnvelopeFrom));
        var subject = vacation.Subject;
        if (string.IsNullOrEmpty(subject))
        {
            var originalSubject = original.Header("Subject").FirstOrDefault() ?? "";
            // RFC 5230 section 4.3 suggests "Auto:" and the original subject.
            subject = originalSubject.Length == 0 ? "Automated reply" : "Auto: " + originalSubject;
        }
        reply.Subject = subject.ReplaceLineEndings(" ");
        reply.Date = now;
        reply.MessageId = MimeUtils.GenerateMessageId(mail.Value.Hostname);
        if (original.Header("Message-ID").FirstOrDefault() is { Length: > 0 } id)
        {
            var references = original.Header("References").FirstOrDefault() ?? "";
            reply.Headers.Add("In-Reply-To", id);
            reply.Headers.Add("References", (references + " " + id).Trim());
        }
        reply.Headers.Add("Auto-Submitted", "auto-replied (vacation)");
        reply.Headers.Add("Precedence", "bulk");
        if (vacation.Mime)
        {
            try
            {
                reply.Body = MimeEntity.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(vacation.Reason.ReplaceLineEndings("\r\n"))));
            }
            catch (FormatException)
            {
                reply.Body = new TextPart("plain") { Text = vacation.Reason };
            }
        }
        else
        {
            reply.Body = new TextPart("plain") { Text = vacation.Reason };
        }
        using var output = new MemoryStream();
        reply.WriteTo(FormatOptions.Default, output);
        return output.ToArray();
    }

    private async Task SendAsync(string to, byte[] reply, CancellationToken ct)
    {
        var resolution = await directory.ResolveRecipientAsync(to, ct);
        if (resolution.Status == RecipientStatus.Ok && resolution.Mailboxes.Count > 0)
        {
            var local = System.Text.Encoding.ASCII.GetBytes("Return-Path: <>\r\n").Concat(reply).ToArray();
            var body = await store.Bodies.WriteAsync(new MemoryStream(local), 0, ct);
            var results = await store.DeliverAsync(body, resolution.Mailboxes.Select(m => m.MailboxId).Distinct().ToList(), time.GetUtcNow());
            if (results.All(r => r.Status != StoreStatus.Ok))
                store.Bodies.Delete(body.RelativePath);
        }
        var external = resolution.Status == RecipientStatus.NotHosted ? [to] : resolution.External;
        if (external.Count > 0)
            await queue.EnqueueAsync("", external, reply, isBounce: true, ct);
    }
}
