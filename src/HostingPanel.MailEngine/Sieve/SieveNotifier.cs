using System.Text;
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
/// Sends enotify notifications by mail (RFC 5435, mailto method RFC 5436) after the delivery committed: never for an
/// auto-submitted message, from the null reverse-path with <c>Auto-Submitted: auto-notified</c>, From the user (a
/// <c>:from</c> the mailbox does not own is replaced by its own address), through the outbound queue or into a local
/// INBOX without running that mailbox's script. Every recipient counts against the tenant's hourly limit on addresses
/// reached through aliases, forwards and redirects: a script cannot turn incoming mail into a flood.
/// </summary>
public sealed class SieveNotifier(MailStore store, MailDirectory directory, OutboundQueue queue, IOptions<MailEngineOptions> mail,
    TimeProvider time, ILogger<SieveNotifier> logger, Delivery.ExternalExpansionLimiter? expansion = null, Delivery.DeliveryRecorder? recorder = null)
{
    /// <summary>Why no notification is sent for this message, or null (RFC 5436 section 2.7: never for auto-submitted mail).</summary>
    internal static string? ReasonNotToNotify(SieveMessage message) =>
        message.Header("Auto-Submitted").Any(v => !v.Split(';')[0].Trim().Equals("no", StringComparison.OrdinalIgnoreCase))
            ? "auto-submitted message" : null;

    internal async Task<bool> NotifyAsync(SieveRecipient recipient, SieveNotifyAction notification, SieveMessage message, CancellationToken ct)
    {
        if (ReasonNotToNotify(message) is { } reason)
        {
            logger.LogInformation("Sieve notification of mailbox {Mailbox} not sent: {Reason}", recipient.MailboxId, reason);
            return false;
        }
        var targets = notification.Mailto.To.Concat(notification.Mailto.Cc).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (expansion is not null && !expansion.TryTake(await directory.TenantOfAsync(recipient.Address, ct), targets.Count))
        {
            logger.LogWarning("Sieve notification of mailbox {Mailbox} held back: the tenant reached its hourly limit", recipient.MailboxId);
            var messageId = message.Header("Message-ID").FirstOrDefault()?.Trim();
            foreach (var target in targets)
                recorder?.Record(new Delivery.DeliveryEvent(time.GetUtcNow(), Delivery.DeliveryOutcome.Refused, "", target, messageId, 0, null,
                    "expansion_rate", $"Sieve notification by <{recipient.Address}> not sent: the hourly limit on addresses reached through aliases, forwards, redirects and notifications is used up",
                    LocalDomain: MailDirectory.DomainOf(recipient.Address)));
            return false;
        }
        var from = recipient.Address;
        if (notification.From is { } wanted && SieveAddresses.ParseSingle(wanted) is { } parsed)
        {
            // RFC 5436 section 2.3 lets the server refuse a :from it does not trust: only the mailbox's own addresses.
            if (parsed.Equals(recipient.Address, StringComparison.OrdinalIgnoreCase) || await directory.IsOwnedByAsync(recipient.MailboxId, parsed, ct))
                from = parsed;
            else
                logger.LogWarning("Sieve notification of mailbox {Mailbox}: :from <{From}> is not one of its addresses; its own address is used", recipient.MailboxId, parsed);
        }
        var bytes = Build(from, notification, message, time.GetUtcNow());
        await SendAsync(recipient, targets, bytes, ct);
        logger.LogInformation("Sieve notification of mailbox {Mailbox} sent to {Count} address(es)", recipient.MailboxId, targets.Count);
        return true;
    }

    /// <summary>RFC 5436 sections 2.3-2.7: the notification message.</summary>
    internal byte[] Build(string from, SieveNotifyAction notification, SieveMessage original, DateTimeOffset now)
    {
        var mailto = notification.Mailto;
        var note = new MimeMessage();
        note.From.Add(MailboxAddress.Parse(from));
        foreach (var to in mailto.To)
            note.To.Add(MailboxAddress.Parse(to));
        foreach (var cc in mailto.Cc)
            note.Cc.Add(MailboxAddress.Parse(cc));
        var originalFrom = SieveMailto.OneLine(original.Header("From").FirstOrDefault() ?? original.EnvelopeFrom);
        var originalSubject = SieveMailto.OneLine(original.Header("Subject").FirstOrDefault() ?? "");
        var message = notification.Message is null ? null : SieveMailto.OneLine(notification.Message);
        // RFC 5436 section 2.6: the URI's subject, else :message, else a summary of the message that arrived.
        note.Subject = mailto.Subject ?? message ?? SieveMailto.OneLine($"New mail from {originalFrom}: {originalSubject}");
        note.Date = now;
        note.MessageId = MimeUtils.GenerateMessageId(mail.Value.Hostname);
        // RFC 5436 section 2.7.1 (RFC 3834): marks it automatic, so no vacation or notification answers it in turn.
        note.Headers.Add("Auto-Submitted", "auto-notified");
        // RFC 5436 section 2.4: importance as the common X-Priority and Importance fields.
        var (priority, importance) = notification.Importance switch { "1" => ("1 (Highest)", "high"), "3" => ("5 (Lowest)", "low"), _ => ("3 (Normal)", "normal") };
        note.Headers.Add("X-Priority", priority);
        note.Headers.Add("Importance", importance);
        var body = mailto.Body ?? notification.Message
            ?? $"New mail arrived for {original.EnvelopeTo}.\n\nFrom: {originalFrom}\nSubject: {originalSubject}\n";
        note.Body = new TextPart("plain") { Text = body.Length > 16 * 1024 ? body[..(16 * 1024)] : body };
        using var output = new MemoryStream();
        note.WriteTo(FormatOptions.Default, output);
        return output.ToArray();
    }

    private async Task SendAsync(SieveRecipient recipient, List<string> targets, byte[] bytes, CancellationToken ct)
    {
        var external = new List<string>();
        var local = new List<long>();
        foreach (var target in targets)
        {
            // The notifying mailbox's tenant points at the target, as for a redirect: another tenant's unverified domain is external.
            var resolution = await directory.ResolveRecipientAsync(target, DeliveryOrigin.Mailbox(recipient.MailboxId), ct);
            if (resolution.Status == RecipientStatus.NotHosted)
            {
                external.Add(target);
                continue;
            }
            local.AddRange(resolution.Mailboxes.Select(m => m.MailboxId));
            external.AddRange(resolution.External);
        }
        local = local.Distinct().ToList();
        if (local.Count > 0)
        {
            // Note: straight into the INBOX without the target's own script, as a local redirect (no loops between scripts).
            var withPath = Encoding.ASCII.GetBytes("Return-Path: <>\r\n").Concat(bytes).ToArray();
            var body = await store.Bodies.WriteAsync(new MemoryStream(withPath), 0, ct);
            var results = await store.DeliverAsync(body, local, time.GetUtcNow());
            if (results.All(r => r.Status != StoreStatus.Ok))
                store.Bodies.Delete(body.RelativePath);
        }
        external = external.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (external.Count > 0)
            await queue.EnqueueAsync("", external, bytes, isBounce: true, ct);
    }
}
