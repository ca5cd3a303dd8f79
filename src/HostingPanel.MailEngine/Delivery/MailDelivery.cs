using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Delivery;

public enum DeliveryStatus
{
    Delivered,
    OverQuota,
    /// <summary>The mailbox no longer exists or is suspended.</summary>
    Unknown,
    /// <summary>The recipient's Sieve script refused it (reject/ereject, RFC 5429); <see cref="DeliveryResult.Detail"/> is the reason.</summary>
    Rejected,
}

public sealed record DeliveryResult(long MailboxId, DeliveryStatus Status, long Uid)
{
    public string? Detail { get; init; }

    /// <summary>The folders (store names, modified UTF-7) a copy was stored in: INBOX unless Sieve's fileinto or the spam filter chose others.</summary>
    public IReadOnlyList<string> Folders { get; init; } = [MailStore.Inbox];
}

/// <summary>
/// Local delivery for SMTP (and LMTP-style callers): resolve recipients at RCPT, check room, then
/// store one durable body for all of them. <see cref="DeliverAsync(Stream, IReadOnlyCollection{long}, long, CancellationToken)"/>
/// returns only after every copy is committed, so a caller may answer 250 when all results say Delivered.
/// </summary>
public sealed class MailDelivery(MailDirectory directory, MailStore store, SieveDelivery sieve, TimeProvider time, Hosting.MailMetrics? metrics = null,
    Outbound.Srs.SrsRewriter? srs = null)
{
    public Task<RecipientResolution> ResolveRecipientAsync(string address, CancellationToken ct = default) =>
        ResolveRecipientAsync(address, DeliveryOrigin.Internet, ct);

    /// <summary>
    /// Resolution for mail from <paramref name="origin"/> (see <see cref="DeliveryOrigin"/>). An SRS address in a hosted
    /// domain resolves to the original sender it encodes (a bounce of forwarded mail finding its way back), or to
    /// <see cref="RecipientStatus.Unknown"/> when forged or expired.
    /// </summary>
    public async Task<RecipientResolution> ResolveRecipientAsync(string address, DeliveryOrigin origin, CancellationToken ct = default)
    {
        if (srs is not null && await ReverseSrsAsync(address, ct) is { } reversed)
        {
            if (reversed.Status != Outbound.Srs.SrsReverseStatus.Ok || MailDirectory.NormalizeAddress(reversed.Address!) is not { } original)
                return new RecipientResolution(RecipientStatus.Unknown, [], []);
            var local = await directory.ResolveRecipientAsync(original, origin, ct);
            return local.Status == RecipientStatus.NotHosted ? new RecipientResolution(RecipientStatus.Ok, [], [original]) : local;
        }
        return await directory.ResolveRecipientAsync(address, origin, ct);
    }

    /// <summary>Null unless <paramref name="address"/> is an SRS address in a hosted domain.</summary>
    public async Task<Outbound.Srs.SrsReverseResult?> ReverseSrsAsync(string address, CancellationToken ct = default)
    {
        if (srs is null || !Outbound.Srs.SrsAddress.IsSrs(address) || !await directory.IsHostedDomainAsync(MailDirectory.DomainOf(address), ct))
            return null;
        return srs.Reverse(address);
    }

    /// <summary>
    /// A quick check for RCPT TO (452 4.2.2 when false). <paramref name="size"/> is the SIZE=
    /// parameter, or 0 when unknown (then only a full mailbox fails).
    /// </summary>
    public async Task<bool> HasRoomAsync(long mailboxId, long size = 0, CancellationToken ct = default)
    {
        if (await directory.HasRoomAsync(mailboxId, size, ct))
            return true;
        // The owner's page and webmail say since when new mail is refused.
        await store.RecordRefusalAsync(mailboxId, ct);
        return false;
    }

    /// <summary>
    /// Delivers <paramref name="message"/> to the INBOX of each mailbox (duplicates collapse to one copy),
    /// without Sieve (the product's own notices and bounces). Bytes are written once; each mailbox's quota
    /// is charged in full. <paramref name="maxSize"/> &gt; 0 throws <see cref="MessageTooLargeException"/> when exceeded.
    /// </summary>
    public Task<IReadOnlyList<DeliveryResult>> DeliverAsync(Stream message, IReadOnlyCollection<long> mailboxIds, long maxSize = 0, CancellationToken ct = default) =>
        DeliverAsync(message, mailboxIds, maxSize, overdraftBytes: 0, ct);

    /// <summary>
    /// The product's own notices (quota warnings): delivered like mail, but with <see cref="Quotas.QuotaOverdraft.NoticeBytes"/>
    /// of reserved room past the quota, so that "your mailbox is full" reaches a full mailbox.
    /// </summary>
    public Task<IReadOnlyList<DeliveryResult>> DeliverNoticeAsync(Stream message, IReadOnlyCollection<long> mailboxIds, CancellationToken ct = default) =>
        DeliverAsync(message, mailboxIds, Quotas.QuotaOverdraft.NoticeBytes, Quotas.QuotaOverdraft.NoticeBytes, ct);

    private async Task<IReadOnlyList<DeliveryResult>> DeliverAsync(Stream message, IReadOnlyCollection<long> mailboxIds, long maxSize, long overdraftBytes, CancellationToken ct)
    {
        var targets = mailboxIds.Distinct().ToList();
        if (targets.Count == 0)
            return [];
        var started = Hosting.MailMetrics.StartTimer();
        var body = await store.Bodies.WriteAsync(message, maxSize, ct);
        return await DeliverPlainAsync(body, targets, overdraftBytes, started);
    }

    /// <summary>
    /// Final delivery of mail from outside (SMTP): each recipient's active Sieve script decides where the
    /// copy goes (RFC 5228); <paramref name="allowReject"/> lets reject/ereject refuse it (the caller
    /// answers with a 5xx), otherwise a reject keeps the mail. Redirects and vacation replies leave after the commit.
    /// </summary>
    public Task<IReadOnlyList<DeliveryResult>> DeliverAsync(Stream message, string sender, IReadOnlyList<SieveRecipient> recipients,
        bool allowReject, long maxSize = 0, CancellationToken ct = default) =>
        DeliverAsync(message, sender, recipients, allowReject, junk: false, maxSize, ct);

    /// <summary>
    /// As above; with <paramref name="junk"/> (the spam filter's verdict) what would have gone to INBOX goes to Junk
    /// instead (created when missing); a recipient's own Sieve rules still choose other folders, discard or redirect.
    /// </summary>
    /// <param name="origin">How the message reached us from the Internet (null: a local user's), kept with Sieve redirects.</param>
    public async Task<IReadOnlyList<DeliveryResult>> DeliverAsync(Stream message, string sender, IReadOnlyList<SieveRecipient> recipients,
        bool allowReject, bool junk, long maxSize = 0, CancellationToken ct = default, Outbound.Backscatter.MessageOrigin? origin = null)
    {
        var targets = recipients.DistinctBy(r => r.MailboxId).ToList();
        if (targets.Count == 0)
            return [];
        var started = Hosting.MailMetrics.StartTimer();
        var body = await store.Bodies.WriteAsync(message, maxSize, ct);
        SieveDeliveryPlan? plan;
        try
        {
            plan = await sieve.PlanAsync(body, sender, targets, allowReject, ct);
        }
        catch
        {
            store.Bodies.Delete(body.RelativePath);
            throw;
        }
        if (plan is null && !junk)
            return await DeliverPlainAsync(body, targets.Select(t => t.MailboxId).ToList(), 0, started);
        if (plan is null)
        {
            plan = new SieveDeliveryPlan();
            foreach (var target in targets)
                plan.Add(target.MailboxId, new StorePlacement(target.MailboxId, MailStore.Inbox, MessageFlags.None, [], false));
        }
        if (junk)
            for (var i = 0; i < plan.Placements.Count; i++)
                if (plan.Placements[i].Folder == MailStore.Inbox)
                    plan.Placements[i] = plan.Placements[i] with { Folder = JunkFolder, CreateFolder = true };

        AppendResult[] results;
        try
        {
            results = plan.Placements.Count == 0 ? [] : await store.DeliverPlacedAsync(body, plan.Placements, time.GetUtcNow());
        }
        catch
        {
            store.Bodies.Delete(body.RelativePath);
            foreach (var edited in plan.EditedBodies.Values)
                store.Bodies.Delete(edited.RelativePath);
            throw;
        }
        try
        {
            await sieve.AfterCommitAsync(plan, body, sender, origin, ct);
        }
        finally
        {
            // Every body no stored copy points at goes: the delivery's own when every copy was edited (editheader),
            // an edited one that only served redirects or whose copies failed.
            var used = Enumerable.Range(0, results.Length).Where(i => results[i].Status == StoreStatus.Ok)
                .Select(i => (plan.Placements[i].Body ?? body).RelativePath).ToHashSet();
            foreach (var path in plan.EditedBodies.Values.Select(b => b.RelativePath).Prepend(body.RelativePath))
                if (!used.Contains(path))
                    store.Bodies.Delete(path);
            if (used.Count > 0)
                metrics?.StoreWriteSince(started);
        }
        return targets.Select(t => Outcome(t.MailboxId, plan, results)).ToList();
    }

    /// <summary>The special-use \Junk folder every new mailbox has (RFC 6154).</summary>
    public const string JunkFolder = "Junk";

    private static DeliveryResult Outcome(long mailboxId, SieveDeliveryPlan plan, AppendResult[] results)
    {
        if (plan.Rejected.TryGetValue(mailboxId, out var reason))
            return new DeliveryResult(mailboxId, DeliveryStatus.Rejected, 0) { Detail = reason };
        var own = Enumerable.Range(0, results.Length).Where(i => plan.Owners[i] == mailboxId).Select(i => results[i]).ToList();
        // Discarded or only redirected: accepted, nothing stored for this mailbox.
        if (own.Count == 0)
            return new DeliveryResult(mailboxId, DeliveryStatus.Delivered, 0) { Folders = [] };
        if (own.FirstOrDefault(r => r.Status == StoreStatus.Ok) is { } stored)
            return new DeliveryResult(mailboxId, DeliveryStatus.Delivered, stored.Uid)
            {
                Folders = Enumerable.Range(0, results.Length).Where(i => plan.Owners[i] == mailboxId && results[i].Status == StoreStatus.Ok)
                    .Select(i => results[i].Folder ?? plan.Placements[i].Folder).Distinct(StringComparer.Ordinal).ToList(),
            };
        return new DeliveryResult(mailboxId, own.Any(r => r.Status == StoreStatus.OverQuota) ? DeliveryStatus.OverQuota : DeliveryStatus.Unknown, 0);
    }

    private async Task<IReadOnlyList<DeliveryResult>> DeliverPlainAsync(WrittenBody body, List<long> targets, long overdraftBytes, long started)
    {
        AppendResult[] results;
        try
        {
            results = await store.DeliverAsync(body, targets, time.GetUtcNow(), overdraftBytes);
        }
        catch
        {
            store.Bodies.Delete(body.RelativePath);
            throw;
        }
        if (results.All(r => r.Status != StoreStatus.Ok))
            store.Bodies.Delete(body.RelativePath);
        else
            metrics?.StoreWriteSince(started);
        return targets.Select((id, i) => new DeliveryResult(id, results[i].Status switch
        {
            StoreStatus.Ok => DeliveryStatus.Delivered,
            StoreStatus.OverQuota => DeliveryStatus.OverQuota,
            _ => DeliveryStatus.Unknown,
        }, results[i].Uid)).ToList();
    }
}
