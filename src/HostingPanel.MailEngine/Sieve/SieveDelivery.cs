using System.Text;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// The delivery hook: runs each recipient's active script on a durable body and turns the results
/// into store placements, refusals, redirects and vacation replies. A mailbox without an active
/// script costs one indexed query per delivery (for all recipients together) and nothing else.
/// </summary>
public sealed class SieveDelivery(SieveScriptStore scripts, SieveVacationResponder vacations, MailStore store, MailDirectory directory,
    OutboundQueue queue, TimeProvider time, ILogger<SieveDelivery> logger, Outbound.Srs.SrsRewriter? srs = null,
    Delivery.ExternalExpansionLimiter? expansion = null, Delivery.DeliveryRecorder? recorder = null,
    SieveGlobalScripts? globals = null, SieveNotifier? notifier = null)
{
    /// <summary>Null when no recipient has an active script: deliver to INBOX as always.</summary>
    internal async Task<SieveDeliveryPlan?> PlanAsync(WrittenBody body, string sender, IReadOnlyList<SieveRecipient> recipients, bool allowReject, CancellationToken ct)
    {
        var active = await scripts.GetActiveCompiledAsync(recipients.Select(r => r.MailboxId).ToList(), ct);
        if (active.Count == 0)
            return null;
        var plan = new SieveDeliveryPlan();
        HeaderList? headers = null;
        foreach (var recipient in recipients)
        {
            if (!active.TryGetValue(recipient.MailboxId, out var entry))
            {
                plan.Add(recipient.MailboxId, Inbox(recipient.MailboxId));
                continue;
            }
            if (entry.Script is null)
            {
                logger.LogWarning("Sieve script of mailbox {Mailbox} does not compile ({Error}); message kept", recipient.MailboxId, entry.Error);
                plan.Add(recipient.MailboxId, Inbox(recipient.MailboxId));
                continue;
            }
            headers ??= ReadHeaders(body);
            var message = new SieveMessage(headers, body.Size, sender, recipient.OriginalRecipient,
                () => MimeMessage.Load(store.Bodies.Open(body.RelativePath)));
            var environment = await EnvironmentAsync(recipient, entry.Script, entry.Name, ct);
            var result = SieveInterpreter.Run(entry.Script, message, environment);
            if (result.Error is not null)
                logger.LogWarning("Sieve script of mailbox {Mailbox} failed ({Error}); message kept", recipient.MailboxId, result.Error);
            await AddAsync(plan, recipient, result, message, body, allowReject, ct);
        }
        return plan;
    }

    /// <summary>
    /// What the run may look at besides the message: the delivery time, the folders (only for mailboxexists), and every
    /// script an include may name, loaded now so the interpreter does no I/O (RFC 6609: ":personal" scripts are the
    /// mailbox's own, ":global" the site's directory).
    /// </summary>
    private async Task<SieveEnvironment> EnvironmentAsync(SieveRecipient recipient, SieveScript script, string name, CancellationToken ct)
    {
        Dictionary<string, SieveIncludedScript>? personal = null;
        var global = new Dictionary<string, SieveIncludedScript>(StringComparer.Ordinal);
        var usesMailbox = script.UsesMailboxExists;
        if (script.Includes.Count > 0)
        {
            personal = await scripts.GetPersonalCompiledAsync(recipient.MailboxId, ct);
            // Global names come from any script of the run; a bounded walk (the site has few scripts).
            var pending = new Queue<SieveScript>([script, .. personal.Values.Where(p => p.Script is not null).Select(p => p.Script!)]);
            while (pending.Count > 0 && global.Count < 64)
            {
                foreach (var include in pending.Dequeue().Includes.Where(i => i.Location == SieveIncludeLocation.Global && !global.ContainsKey(i.Name)))
                {
                    if (globals?.Get(include.Name) is not { } found)
                        continue;
                    global[include.Name] = found;
                    if (found.Script is not null)
                        pending.Enqueue(found.Script);
                }
            }
            usesMailbox |= personal.Values.Concat(global.Values).Any(p => p.Script?.UsesMailboxExists == true);
        }
        HashSet<string>? folders = null;
        if (usesMailbox)
            folders = (await store.ListFoldersAsync(recipient.MailboxId, ct)).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        return new SieveEnvironment
        {
            Now = time.GetUtcNow(),
            ScriptName = name,
            MailboxExists = folders is null ? null : folders.Contains,
            Include = personal is null ? null : (location, included) =>
                (location == SieveIncludeLocation.Global ? global : personal).GetValueOrDefault(included),
        };
    }

    private async Task AddAsync(SieveDeliveryPlan plan, SieveRecipient recipient, SieveResult result, SieveMessage message, WrittenBody body,
        bool allowReject, CancellationToken ct)
    {
        if (result.Reject is not null)
        {
            if (allowReject)
            {
                plan.Rejected[recipient.MailboxId] = result.Reject;
            }
            else
            {
                // Note: reject only answers at SMTP time (RFC 5429 section 2.1); on other paths the mail is kept.
                logger.LogWarning("Sieve reject of mailbox {Mailbox} outside SMTP; message kept", recipient.MailboxId);
                plan.Add(recipient.MailboxId, Inbox(recipient.MailboxId));
            }
        }
        foreach (var folder in result.Folders)
        {
            var copy = await EditedBodyAsync(plan, body, folder.Headers, ct);
            plan.Add(recipient.MailboxId, new StorePlacement(recipient.MailboxId, folder.Folder, folder.Flags, folder.Keywords, folder.Create, copy));
        }
        if (result.Redirects.Count > 0)
        {
            if (IsOwnLoop(message, recipient))
            {
                logger.LogWarning("Sieve redirect of mailbox {Mailbox} cut: the message already passed through it; message kept", recipient.MailboxId);
                if (!plan.Owners.Contains(recipient.MailboxId))
                    plan.Add(recipient.MailboxId, Inbox(recipient.MailboxId));
            }
            else
            {
                // One batch per header state: redirects made before and after an addheader send different copies.
                foreach (var group in Enumerable.Range(0, result.Redirects.Count).GroupBy(i => result.RedirectHeaders.ElementAtOrDefault(i), ReferenceEqualityComparer.Instance))
                {
                    var copy = await EditedBodyAsync(plan, body, (HeaderList?)group.Key, ct);
                    var external = new List<string>();
                    foreach (var address in group.Select(i => result.Redirects[i]))
                        await RouteRedirectAsync(plan, recipient, address, copy, external, ct);
                    if (external.Count > 0 && !await WithinHourlyLimitAsync(recipient, external, message, body, ct))
                    {
                        // Over the tenant's hour: nothing leaves, and the message stays in the mailbox (never lost).
                        if (!plan.Owners.Contains(recipient.MailboxId))
                            plan.Add(recipient.MailboxId, Inbox(recipient.MailboxId));
                        continue;
                    }
                    if (external.Count > 0)
                        plan.ExternalRedirects.Add((recipient, external, copy));
                }
            }
        }
        if (result.Vacation is not null)
            plan.Vacations.Add((recipient, result.Vacation, message));
        foreach (var notification in result.Notifications)
            plan.Notifications.Add((recipient, notification, message));
    }

    /// <summary>
    /// Outside addresses a script redirects to count against the tenant's hourly limit on expanded outside recipients
    /// (<c>Mail:SmtpLimits:ExpandedExternalPerTenantPerHour</c>), like those reached through its aliases and forwards:
    /// a tenant's scripts cannot multiply the mail that reaches it beyond that figure. A refusal is in the delivery log.
    /// </summary>
    private async Task<bool> WithinHourlyLimitAsync(SieveRecipient recipient, List<string> external, SieveMessage message, WrittenBody body, CancellationToken ct)
    {
        if (expansion is null)
            return true;
        var tenant = await directory.TenantOfAsync(recipient.Address, ct);
        if (expansion.TryTake(tenant, external.Count))
            return true;
        logger.LogWarning("Sieve redirect of mailbox {Mailbox} held back: tenant {Tenant} reached its hourly limit on outside addresses; message kept",
            recipient.MailboxId, tenant);
        var messageId = message.Header("Message-ID").FirstOrDefault()?.Trim();
        foreach (var address in external)
            recorder?.Record(new Delivery.DeliveryEvent(time.GetUtcNow(), Delivery.DeliveryOutcome.Refused, message.EnvelopeFrom, address, messageId, body.Size, null,
                "expansion_rate", $"Sieve redirect by <{recipient.Address}> not sent: the hourly limit on outside addresses reached through aliases, forwards and redirects is used up; the message was kept in the mailbox",
                LocalDomain: MailDirectory.DomainOf(recipient.Address)));
        return false;
    }

    private async Task RouteRedirectAsync(SieveDeliveryPlan plan, SieveRecipient recipient, string address, WrittenBody? copy, List<string> external, CancellationToken ct)
    {
        // The redirecting mailbox's tenant points at the target: an unverified domain of another tenant is external.
        var resolution = await directory.ResolveRecipientAsync(address, DeliveryOrigin.Mailbox(recipient.MailboxId), ct);
        switch (resolution.Status)
        {
            case RecipientStatus.NotHosted:
                external.Add(address);
                break;
            case RecipientStatus.Ok:
                // Note: a local redirect target gets the copy in its INBOX without running its own
                // script, which rules out loops between two local scripts.
                foreach (var m in resolution.Mailboxes)
                    plan.Add(-1, Inbox(m.MailboxId) with { Body = copy });
                external.AddRange(resolution.External);
                break;
            default:
                logger.LogWarning("Sieve redirect of mailbox {Mailbox} to unknown local address <{Address}> dropped", recipient.MailboxId, address);
                break;
        }
    }

    /// <summary>The body of a copy whose header editheader changed, written once per header state; null for an unedited copy.</summary>
    private async Task<WrittenBody?> EditedBodyAsync(SieveDeliveryPlan plan, WrittenBody body, HeaderList? headers, CancellationToken ct)
    {
        if (headers is null)
            return null;
        if (!plan.EditedBodies.TryGetValue(headers, out var written))
            plan.EditedBodies[headers] = written = await SieveEditedBody.WriteAsync(store.Bodies, body, headers, ct);
        return written;
    }

    /// <summary>After the commit: redirects through the outbound queue, then vacation replies. Failures are logged, never thrown.</summary>
    /// <param name="origin">How mail from the Internet reached us (null: a local user's): a redirect's failure reports to its
    /// sender only when that sender is proven (issue 16.10), as an alias's or forward's does.</param>
    internal async Task AfterCommitAsync(SieveDeliveryPlan plan, WrittenBody body, string sender, Outbound.Backscatter.MessageOrigin? origin, CancellationToken ct)
    {
        foreach (var (recipient, addresses, copy) in plan.ExternalRedirects)
        {
            try
            {
                // RFC 5228 section 4.2: the envelope sender stays, but in SRS form at the redirecting mailbox's domain, so the
                // next hop's SPF check sees this server (RFC 7208 section 11.1.1); Delivered-To marks the pass for loop detection.
                var trace = Encoding.UTF8.GetBytes($"Delivered-To: {recipient.Address}\r\n");
                var bytes = store.Bodies.ReadAll((copy ?? body).RelativePath);
                var envelopeSender = srs is null ? sender : await srs.ForwardSenderAsync(sender, recipient.Address, ct);
                await queue.EnqueueForwardAsync(envelopeSender, addresses.Select(a => (a, (Protocol.Smtp.DsnRecipient?)null, recipient.Address)).ToList(),
                    new MemoryStream(trace.Concat(StripReturnPath(bytes)).ToArray()), null, origin, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Sieve redirect of mailbox {Mailbox} failed", recipient.MailboxId);
            }
        }
        foreach (var (recipient, vacation, message) in plan.Vacations)
        {
            try
            {
                await vacations.RespondAsync(recipient, vacation, message, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Sieve vacation reply of mailbox {Mailbox} failed", recipient.MailboxId);
            }
        }
        foreach (var (recipient, notification, message) in plan.Notifications)
        {
            try
            {
                if (notifier is not null)
                    await notifier.NotifyAsync(recipient, notification, message, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Sieve notification of mailbox {Mailbox} failed", recipient.MailboxId);
            }
        }
    }

    private static StorePlacement Inbox(long mailboxId) => new(mailboxId, MailStore.Inbox, MessageFlags.None, [], false);

    private HeaderList ReadHeaders(WrittenBody body)
    {
        var length = body.Summary.HeaderSize is > 0 and var h ? (int)Math.Min(h, int.MaxValue) : (int)Math.Min(body.Size, 1 << 20);
        var head = store.Bodies.ReadHead(body.RelativePath, length);
        try
        {
            return HeaderList.Load(new MemoryStream(head, writable: false));
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static bool IsOwnLoop(SieveMessage message, SieveRecipient recipient) =>
        message.Header("Delivered-To").Any(v => v.Trim('<', '>', ' ').Equals(recipient.Address, StringComparison.OrdinalIgnoreCase));

    /// <summary>The stored copy starts with our Return-Path line; the relay sets its own envelope.</summary>
    private static byte[] StripReturnPath(byte[] bytes)
    {
        if (!bytes.AsSpan().StartsWith("Return-Path:"u8))
            return bytes;
        var end = bytes.AsSpan().IndexOf("\r\n"u8);
        return end < 0 ? bytes : bytes[(end + 2)..];
    }
}
