using System.Buffers;
using System.Text;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Protocol.Smtp;
using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Logging;
using MimeKit;
using MimeKit.Utils;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>
/// End of DATA: checks the bytes, expands every recipient (aliases, forwards, catch-all; each mailbox
/// once), stores one durable body for all local mailboxes, queues external destinations, and only
/// then answers. Mixed outcomes (docs/smtp.md, "Mixed recipient outcomes"):
/// <list type="bullet">
/// <item>every copy stored or queued: <c>250 2.0.0</c>;</item>
/// <item>none: <c>552 5.2.2</c> when a mailbox was full (nothing stored), else <c>550 5.1.1</c>;</item>
/// <item>some: <c>250 2.0.0</c> naming the failed addresses, and a DSN (RFC 3464) to the envelope
/// sender for them, since one DATA has one reply and the delivered copies must not be sent twice.</item>
/// </list>
/// Never throws: the package would send no reply at all (docs/platform-notes.md).
/// </summary>
internal sealed class SmtpMessageStore(
    SmtpListenerKind kind, MailDelivery delivery, MailDirectory directory, OutboundQueue queue, BounceSender bounces,
    SmtpLimitsOptions limits, string hostname, TimeProvider time, DeliveryRecorder recorder, SmtpDeliverability deliverability, ILogger logger) : IMessageStore
{
    public async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> received, CancellationToken cancellationToken)
    {
        // Bare LF and bare CR become CRLF before anything reads or keeps the message (Postfix's
        // "normalize"); the package has already ended DATA only at CRLF.CRLF (SmtpLineEnds).
        var buffer = received.Length > limits.MaxMessageSize ? received : SmtpLineEnds.Normalize(received);
        var log = new SmtpDeliveryLog(recorder, context, transaction, buffer, kind);
        try
        {
            return await SaveCoreAsync(context, transaction, buffer, log, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "SMTP delivery failed");
            // Nothing was acknowledged: the body write, its fsync or the commit failed, and the sender keeps the message.
            return log.RefuseAll(StorageFull.Is(e) ? "storage_full" : "local_error", StorageFull.Is(e) ? SmtpReplies.StorageFull : SmtpReplies.LocalError);
        }
    }

    private async Task<SmtpResponse> SaveCoreAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, SmtpDeliveryLog log, CancellationToken ct)
    {
        if (UnacceptableMessage(buffer) is { } unacceptable)
            return log.RefuseAll(unacceptable.Reason, unacceptable.Reply);
        var sender = log.Sender;

        var account = context.Account();
        var added = "";
        if (kind == SmtpListenerKind.Submission && account is not null)
        {
            var (refusal, headers) = await CheckFromHeaderAsync(account.Id, buffer, ct);
            if (refusal is not null)
                return log.RefuseAll(refusal.ReplyCode == SmtpReplyCode.TransactionFailed ? "originator_fields" : "from_not_owned", refusal);
            added = MissingSubmissionHeaders(headers!);
            log.MessageIdAdded(added);
        }

        var plan = await SmtpRecipientPlan.ResolveAsync(delivery, kind, context, transaction, ct);
        if (await OutsideRecipientsRefusalAsync(account, plan, ct) is { } outside)
            return log.RefuseAll(outside.Reason, outside.Reply);

        // Mail from the Internet: who gave it to us, so a failure bounces only to a verified sender.
        var messageOrigin = kind == SmtpListenerKind.Mx ? new Outbound.Backscatter.MessageOrigin(context.RemoteAddress().ToString(), context.Helo(), sender) : null;
        var id = NewId();
        var now = time.GetUtcNow();
        var received = ReceivedHeader(context, id, transaction.To.Count == 1 ? transaction.To[0].AsAddress() : null, now) + added;

        var (spamRefusal, spam) = await FilterAsync(context, transaction, buffer, sender, id, ct);
        if (spamRefusal is not null)
            return log.RefuseAll(spamRefusal.Reason, spamRefusal.Reply);
        if (spam is not null)
            received = spam.Headers(hostname) + received;

        var (delivered, successes) = await StoreLocalCopiesAsync(context, buffer, sender, received, plan, spam, messageOrigin, log, ct);
        await QueueOutsideCopiesAsync(context, buffer, sender, received, account?.Address, plan, messageOrigin, log, ct);
        logger.LogInformation("SMTP {Id} from <{Sender}>: {Delivered} stored, {Queued} queued, {Failed} failed",
            id, SmtpText.Escape(sender), delivered, plan.External.Count, plan.Failures.Count);
        return await AnswerAsync(context, buffer, sender, id, now, plan, delivered + plan.External.Count, successes, messageOrigin, log, ct);
    }

    /// <summary>A refusal of the whole message, with the reason the delivery log records.</summary>
    private sealed record Refusal(string Reason, SmtpResponse Reply);

    /// <summary>What no recipient may get, checked before anything else: size, hop count, an oversized header field.</summary>
    private Refusal? UnacceptableMessage(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length > limits.MaxMessageSize)
            return new Refusal("message_too_big", SmtpReplies.MessageTooBig);
        if (SmtpText.CountHeaders(buffer, "Received") > limits.MaxReceivedHeaders)
            return new Refusal("too_many_hops", SmtpReplies.TooManyHops);
        if (Protocol.MessageHeaderLimit.HasOversizedField(buffer))
            return new Refusal("header_too_big", SmtpReplies.HeaderFieldTooBig);
        return null;
    }

    /// <summary>
    /// Outbound abuse limits, counted per message that leaves for outside addresses before anything is stored or
    /// queued; then the cap on outside addresses reached through aliases and forwards.
    /// </summary>
    private async Task<Refusal?> OutsideRecipientsRefusalAsync(MailboxAccount? account, SmtpRecipientPlan plan, CancellationToken ct)
    {
        if (kind == SmtpListenerKind.Submission && account is not null && plan.External.Count > 0)
        {
            var verdict = await deliverability.Limits.TryCountAsync(account.Id, account.Address, plan.External.Count, ct);
            if (!verdict.Allowed)
                return new Refusal("send_limit", SmtpReplies.SendingLimited(verdict.Reason!));
        }
        if (await ExpansionRefusalAsync(plan.External, plan.ExternalOrigin, ct) is { } expansionRefusal)
            return new Refusal(expansionRefusal.ReplyCode == SmtpReplyCode.Aborted ? "expansion_rate" : "too_many_expanded_external", expansionRefusal);
        return null;
    }

    /// <summary>
    /// Inbound filtering (MX only): rspamd's verdict refuses, defers, or files into Junk; the verdict's checks go into
    /// the trace fields of every copy.
    /// </summary>
    private async Task<(Refusal? Refusal, Delivery.Rspamd.RspamdVerdict? Verdict)> FilterAsync(ISessionContext context, IMessageTransaction transaction,
        ReadOnlySequence<byte> buffer, string sender, string id, CancellationToken ct)
    {
        if (kind != SmtpListenerKind.Mx || !deliverability.Rspamd.Enabled)
            return (null, null);
        var spam = await deliverability.Rspamd.CheckAsync(buffer, ReadOnlyMemory<byte>.Empty,
            new Delivery.Rspamd.RspamdEnvelope(sender, transaction.To.Select(t => t.AsAddress()).ToList(), context.RemoteAddress().ToString(), context.Helo(), id), ct);
        return spam?.Decision switch
        {
            Delivery.Rspamd.SpamDecision.Reject when spam.Reason == "dmarc_reject" =>
                (new Refusal(spam.Reason, SmtpReplies.DmarcRejected(SmtpText.Escape(FromDomain(buffer) ?? "the sender's domain"))), spam),
            Delivery.Rspamd.SpamDecision.Reject => (new Refusal(spam.Reason, SmtpReplies.SpamRefused(spam.Score)), spam),
            Delivery.Rspamd.SpamDecision.TryLater => (new Refusal(spam.Reason, SmtpReplies.SpamDeferred), spam),
            _ => (null, spam),
        };
    }

    /// <summary>
    /// One durable body for every local mailbox, each recipient's Sieve script deciding; failures join the plan's.
    /// Returns how many copies were stored and the success reports the client asked for (RFC 3461 NOTIFY=SUCCESS).
    /// </summary>
    private async Task<(int Delivered, List<DsnRecipientReport> Successes)> StoreLocalCopiesAsync(ISessionContext context, ReadOnlySequence<byte> buffer,
        string sender, string received, SmtpRecipientPlan plan, Delivery.Rspamd.RspamdVerdict? spam, Outbound.Backscatter.MessageOrigin? messageOrigin,
        SmtpDeliveryLog log, CancellationToken ct)
    {
        var delivered = 0;
        var successes = new List<DsnRecipientReport>();
        if (plan.Locals.Count == 0)
            return (delivered, successes);
        var junk = spam?.Decision == Delivery.Rspamd.SpamDecision.Junk;
        var trace = Encoding.UTF8.GetBytes($"Return-Path: <{SmtpText.Escape(sender)}>\r\n" + received);
        var recipients = plan.Locals.Select(l => new SieveRecipient(l.Key, l.Value.Address, l.Value.Original)).ToList();
        var results = await delivery.DeliverAsync(new SmtpMessageStream(trace, buffer), sender, recipients, allowReject: true, junk, 0, ct, messageOrigin);
        foreach (var result in results)
        {
            var (address, original) = plan.Locals[result.MailboxId];
            switch (result.Status)
            {
                case DeliveryStatus.Delivered:
                    delivered++;
                    // A folder other than INBOX (and other than Junk when rspamd chose it) is the recipient's Sieve fileinto.
                    if (result.Folders.Any(f => f != MailStore.Inbox && !(junk && f == MailDelivery.JunkFolder)))
                        log.Filed(address, original, "sieve_fileinto", string.Join(", ", result.Folders.Select(FolderDisplayName)));
                    else if (junk && result.Folders.Count > 0)
                        log.Filed(address, original, spam!.Reason, $"Junk (rspamd {spam.Action}, score {spam.Score:0.0})");
                    else
                        log.Delivered(address, original);
                    if (context.DsnOf(original).Wants(DsnNotify.Success))
                        successes.Add(new DsnRecipientReport(address, OriginalRecipientOf(context, address, original), DsnAction.Delivered, "2.0.0", null));
                    break;
                case DeliveryStatus.OverQuota:
                    plan.Failures.Add(new FailedRecipient(address, original, "5.2.2", SmtpReplies.MailboxFullDiagnostic));
                    break;
                case DeliveryStatus.Rejected:
                    plan.Failures.Add(new FailedRecipient(address, original, "5.7.1", SmtpReplies.RejectedByFilterDiagnosticPrefix + SmtpRejectReason(result.Detail)));
                    break;
                default:
                    plan.Failures.Add(new FailedRecipient(address, original, "5.1.1", SmtpReplies.NoSuchUserDiagnostic));
                    break;
            }
        }
        return (delivered, successes);
    }

    /// <summary>A store folder name (modified UTF-7, RFC 3501 section 5.1.3) as people read it, for the delivery log.</summary>
    private static string FolderDisplayName(string storeName) =>
        Protocol.Imap.ImapModifiedUtf7.TryDecode(storeName, out var decoded, out _) ? decoded : storeName;

    /// <summary>
    /// Outside destinations into the outbound queue. Forwarded copies leave with the sender in SRS form at the forwarding
    /// address's domain; one queue entry per envelope sender.
    /// </summary>
    private async Task QueueOutsideCopiesAsync(ISessionContext context, ReadOnlySequence<byte> buffer, string sender, string received, string? submittedBy,
        SmtpRecipientPlan plan, Outbound.Backscatter.MessageOrigin? messageOrigin, SmtpDeliveryLog log, CancellationToken ct)
    {
        if (plan.External.Count == 0)
            return;
        var byEnvelopeSender = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var destination in plan.External)
        {
            var origin = plan.OriginOf(destination);
            var envelopeSender = origin == destination ? sender : await deliverability.Srs.ForwardSenderAsync(sender, origin, ct);
            if (!byEnvelopeSender.TryGetValue(envelopeSender, out var group))
                byEnvelopeSender[envelopeSender] = group = [];
            group.Add(destination);
        }
        foreach (var (envelopeSender, group) in byEnvelopeSender)
        {
            // The RCPT's NOTIFY goes with each destination (a forward's too), its ORCPT or the RCPT address as the original (RFC 3461 4.2).
            var withDsn = group.Select(e =>
            {
                var origin = plan.OriginOf(e);
                return (e, context.DsnOf(origin) with { OriginalRecipient = OriginalRecipientOf(context, e, origin) });
            }).ToList();
            var queueId = kind == SmtpListenerKind.Submission
                ? await queue.EnqueueAsync(envelopeSender, withDsn, new SmtpMessageStream(Encoding.UTF8.GetBytes(received), buffer), context.DsnEnvelope(), ct,
                    submittedBy: submittedBy)
                : await queue.EnqueueForwardAsync(envelopeSender, withDsn.Select(w => (w.e, (DsnRecipient?)w.Item2, plan.OriginOf(w.e))).ToList(),
                    new SmtpMessageStream(Encoding.UTF8.GetBytes(received), buffer), context.DsnEnvelope(), messageOrigin, ct);
            foreach (var destination in group)
                log.Queued(destination, plan.OriginOf(destination), queueId);
        }
    }

    /// <summary>
    /// The one reply to DATA, with the DSN due for it (docs/smtp.md, "Mixed recipient outcomes"): all accepted, none
    /// (refused at the protocol level), or some (accepted, naming the failed addresses, and a DSN for them).
    /// </summary>
    private async Task<SmtpResponse> AnswerAsync(ISessionContext context, ReadOnlySequence<byte> buffer, string sender, string id, DateTimeOffset now,
        SmtpRecipientPlan plan, int accepted, List<DsnRecipientReport> successes, Outbound.Backscatter.MessageOrigin? messageOrigin, SmtpDeliveryLog log,
        CancellationToken ct)
    {
        var failures = plan.Failures;
        if (failures.Count == 0)
        {
            await ReportAsync(context, sender, successes, buffer, now, messageOrigin, ct);
            return log.AcceptAll(SmtpReplies.Queued(id));
        }
        var failedText = string.Join(", ", failures.Select(f => $"<{SmtpText.Escape(f.Address)}>"));
        // RFC 5429 section 2.1: a reject refuses at the protocol level when it is the only outcome.
        if (accepted == 0 && failures.All(f => f.Status == "5.7.1"))
            return SmtpReplies.RejectedByFilter(SmtpRejectReason(failures[0].Diagnostic[SmtpReplies.RejectedByFilterDiagnosticPrefix.Length..]));
        if (accepted == 0)
            return log.RefuseAll(failures.Any(f => f.Status == "5.2.2") ? "mailbox_full" : "unknown_recipient",
                failures.Any(f => f.Status == "5.2.2") ? SmtpReplies.MessageDoesNotFit(failedText) : SmtpReplies.NotDelivered);
        // RFC 3461 4.1: NOTIFY=NEVER (or a list without FAILURE) asked for no failure report.
        var reported = failures.Where(f => context.DsnOf(f.OriginalRecipient).Wants(DsnNotify.Failure))
            .Select(f => new DsnRecipientReport(f.Address, OriginalRecipientOf(context, f.Address, f.OriginalRecipient), DsnAction.Failed, f.Status, f.Diagnostic));
        var reportVerdict = await ReportAsync(context, sender, successes.Concat(reported).ToList(), buffer, now, messageOrigin, ct);
        var withheld = reportVerdict is { Verified: false };
        var noDsn = withheld ? $"; no delivery status notification to <{SmtpText.Escape(sender)}>: {reportVerdict!.Reason}" : "";
        foreach (var failure in failures)
            log.Bounced(failure.Address, failure.OriginalRecipient, failure.Diagnostic + noDsn, withheld ? "dsn_suppressed" : "not_delivered");
        return log.AcceptAll(SmtpReplies.QueuedExceptFor(id, failedText, reportFollows: !withheld));
    }

    /// <summary>
    /// Issue 16.10, no amplification: the outside addresses this message reaches through aliases and forwards (not the
    /// ones addressed directly) are capped per message and counted per tenant per hour; null when within both.
    /// </summary>
    private async Task<SmtpResponse?> ExpansionRefusalAsync(List<string> external, Dictionary<string, string> externalOrigin, CancellationToken ct)
    {
        var expanded = external.Where(e => externalOrigin.GetValueOrDefault(e, e) != e).ToList();
        if (expanded.Count == 0)
            return null;
        if (expanded.Count > limits.MaxExpandedExternalRecipients)
            return SmtpReplies.TooManyExpandedExternal(expanded.Count, limits.MaxExpandedExternalRecipients);
        var perTenant = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var destination in expanded)
        {
            var tenant = await directory.TenantOfAsync(externalOrigin[destination], ct);
            perTenant[tenant] = perTenant.GetValueOrDefault(tenant) + 1;
        }
        foreach (var (tenant, count) in perTenant)
        {
            if (!deliverability.Expansion.TryTake(tenant, count))
            {
                logger.LogWarning("Forwarding limit of tenant {Tenant} reached: {Count} more outside address(es) deferred", tenant, count);
                return SmtpReplies.ExpansionRateExceeded;
            }
        }
        return null;
    }

    /// <summary>A DSN (RFC 3464) for what the client asked to hear about; RET=FULL returns the whole message with a failure.</summary>
    /// <remarks>
    /// Issue 16.10: for mail from the Internet (<paramref name="origin"/> given) only to a verified sender (SPF pass or
    /// aligned DKIM, <see cref="BounceSender.MayReportToAsync"/>); returns the verdict, null when nothing was due.
    /// </remarks>
    private async Task<Outbound.Backscatter.SenderVerdict?> ReportAsync(ISessionContext context, string sender, IReadOnlyList<DsnRecipientReport> reports,
        ReadOnlySequence<byte> message, DateTimeOffset arrival, Outbound.Backscatter.MessageOrigin? origin, CancellationToken ct)
    {
        if (sender.Length == 0 || reports.Count == 0)
            return null;
        var verdict = await bounces.MayReportToAsync(sender, origin is null ? ReadOnlyMemory<byte>.Empty : message.ToArray(), origin, ct);
        if (!verdict.Verified)
            return verdict;
        var envelope = context.DsnEnvelope();
        var original = envelope.Return == DsnReturn.Full && reports.Any(r => r.Action == DsnAction.Failed) ? message.ToArray() : HeaderSection(message);
        await bounces.SendReportAsync(sender, envelope, reports, original, arrival, ct);
        return verdict;
    }

    /// <summary>RFC 3461 4.2 / 3464 2.3.1: the client's ORCPT, else the RCPT address when it differs from the final one.</summary>
    private static string? OriginalRecipientOf(ISessionContext context, string final, string rcpt) =>
        context.DsnOf(rcpt).OriginalRecipient
        ?? (string.Equals(final, rcpt, StringComparison.OrdinalIgnoreCase) ? null : "rfc822;" + rcpt);

    /// <summary>A Sieve reject reason as one line of printable ASCII for the SMTP reply (RFC 5429 section 2.1.1).</summary>
    private static string SmtpRejectReason(string? reason)
    {
        var text = new string((reason ?? "").ReplaceLineEndings(" ").Select(c => c is >= ' ' and < (char)0x7F ? c : '?').ToArray()).Trim();
        if (text.Length > 200)
            text = text[..200];
        return text.Length == 0 ? "rejected by the recipient's filter" : text;
    }

    /// <summary>
    /// Submission: exactly one From and at most one Sender field in any spelling or folding
    /// (<see cref="Protocol.MessageOriginatorFields"/>, RFC 5322 section 3.6), and every address in them
    /// the user's own or an alias that reaches the user. A recipient's reader shows one of several
    /// From fields, not necessarily the one checked, so a second one is refused, never ignored.
    /// </summary>
    private async Task<(SmtpResponse? Refusal, HeaderList? Headers)> CheckFromHeaderAsync(long mailboxId, ReadOnlySequence<byte> message, CancellationToken ct)
    {
        var fields = Protocol.MessageOriginatorFields.Find(message);
        var froms = fields.Count(f => f.IsFrom);
        if (froms > 1)
            return (SmtpReplies.DuplicateOriginatorField("From", froms), null);
        if (fields.Count - froms > 1)
            return (SmtpReplies.DuplicateOriginatorField("Sender", fields.Count - froms), null);
        if (froms == 0)
            return (SmtpReplies.FromHeaderMissing, null);
        HeaderList headers;
        try
        {
            headers = await HeaderList.LoadAsync(new SmtpMessageStream(ReadOnlyMemory<byte>.Empty, message), ct);
        }
        catch (FormatException)
        {
            return (SmtpReplies.FromHeaderMissing, null);
        }
        foreach (var field in fields)
        {
            var list = InternetAddressList.TryParse(ParserOptions.Default, field.Value, out var parsed) ? parsed : [];
            var addresses = list.Mailboxes.ToList();
            if (field.IsFrom && addresses.Count == 0)
                return (SmtpReplies.FromHeaderMissing, null);
            if (!field.IsFrom && (addresses.Count != 1 || list.Count != 1))
                return (SmtpReplies.SenderHeaderNotOneAddress, null);
            foreach (var mailbox in addresses)
            {
                if (!await directory.IsOwnedByAsync(mailboxId, mailbox.Address, ct))
                {
                    var shown = SmtpText.Escape(mailbox.Address);
                    return (field.IsFrom ? SmtpReplies.FromHeaderNotOwned(shown) : SmtpReplies.SenderHeaderNotOwned(shown), null);
                }
            }
        }
        return (null, headers);
    }

    /// <summary>RFC 6409 section 8.3 and 8.4: a submission server may add a missing Date and Message-ID.</summary>
    private string MissingSubmissionHeaders(HeaderList headers)
    {
        var sb = new StringBuilder();
        if (!headers.Contains(HeaderId.Date))
            sb.Append("Date: ").Append(DateUtils.FormatDate(time.GetUtcNow())).Append("\r\n");
        if (!headers.Contains(HeaderId.MessageId))
            sb.Append("Message-ID: <").Append(MimeUtils.GenerateMessageId(hostname)).Append(">\r\n");
        return sb.ToString();
    }

    private string ReceivedHeader(ISessionContext context, string id, string? recipient, DateTimeOffset now)
    {
        var protocol = "ESMTP" + (context.Pipe is { IsSecure: true } ? "S" : "") + (context.Account() is not null ? "A" : "");
        var sb = new StringBuilder();
        sb.Append("Received: from ").Append(HeaderToken(context.Helo())).Append(" ([").Append(context.RemoteAddress()).Append("])\r\n");
        sb.Append("\tby ").Append(hostname).Append(" with ").Append(protocol).Append(" id ").Append(id);
        if (recipient is not null)
            sb.Append("\r\n\tfor <").Append(HeaderToken(recipient)).Append('>');
        sb.Append("; ").Append(DateUtils.FormatDate(now)).Append("\r\n");
        return sb.ToString();
    }

    /// <summary>Client text inside a header: escaped, without characters that end a comment or an angle address.</summary>
    private static string HeaderToken(string text) =>
        SmtpText.Escape(text, 200).Replace('(', '_').Replace(')', '_').Replace('<', '_').Replace('>', '_').Replace(' ', '_');

    /// <summary>The header section (for the DSN's text/rfc822-headers part), at most 64 KiB of it.</summary>
    private static byte[] HeaderSection(ReadOnlySequence<byte> message)
    {
        var head = message.Slice(0, Math.Min(message.Length, 64 * 1024)).ToArray();
        var end = head.AsSpan().IndexOf("\r\n\r\n"u8);
        return end < 0 ? head : head[..(end + 4)];
    }

    /// <summary>The domain of the first From address, for the DMARC refusal's text; null when there is none.</summary>
    private static string? FromDomain(ReadOnlySequence<byte> message)
    {
        try
        {
            var headers = HeaderList.Load(new SmtpMessageStream(ReadOnlyMemory<byte>.Empty, message));
            return InternetAddressList.TryParse(headers[HeaderId.From] ?? "", out var list) ? list.Mailboxes.FirstOrDefault()?.Domain : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string NewId() => Guid.NewGuid().ToString("N")[..16].ToUpperInvariant();
}
