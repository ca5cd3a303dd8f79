using HostingPanel.Application.Aliases;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;

namespace HostingPanel.Web.Api.Endpoints;

/// <summary>Domains, and the mailboxes and aliases in them. `{domain}` may be given in Unicode or A-label form.</summary>
public static class DomainEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        MapDomains(api.MapGroup("/domains").WithTags("Domains"));
        MapMailboxes(api.MapGroup("/domains/{domain}/mailboxes").WithTags("Mailboxes"));
        MapAliases(api.MapGroup("/domains/{domain}/aliases").WithTags("Aliases"));
        MailboxFilterEndpoints.MapMailboxFilters(api);
    }

    private static string DomainPath(string domain) => $"/api/v1/domains/{Uri.EscapeDataString(domain)}";

    private static void MapDomains(RouteGroupBuilder domains)
    {
        domains.MapGet("", async ([AsParameters] ListQuery query, Guid? customerId, DomainService service, CancellationToken ct) =>
                TypedResults.Ok(PageDto<DomainDto>.From(await service.ListAsync(query.ToRequest(), customerId, ct), DomainDto.From)))
            .WithName("ListDomains").WithSummary("List domains")
            .WithDescription("The caller's domains, ordered by name; `search` matches the domain and the customer's name, `customerId` narrows to one customer.")
            .Produces<PageDto<DomainDto>>().Paged();

        domains.MapPost("", async (HttpContext http, DomainService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<CreateDomainInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.CreateAsync(body.Value!, ct)).ToCreated(DomainDto.From, d => DomainPath(d.Name));
            })
            .WithName("CreateDomain").WithSummary("Add a domain")
            .WithDescription("`customerId` names the owner (a customer's own key may leave it out). IDN names are stored in A-label form. Starts `pending`; the worker makes it `active`.")
            .JsonBody<CreateDomainInput>().Produces<DomainDto>(StatusCodes.Status201Created).NotFound().Conflict().LimitExceeded();

        domains.MapGet("/{domain}", async (string domain, DomainService service, CancellationToken ct) =>
                (await service.GetAsync(domain, ct)).ToOk(DomainDto.From))
            .WithName("GetDomain").WithSummary("Get a domain with its counts and usage").Produces<DomainDto>().NotFound();

        domains.MapPatch("/{domain}", async (string domain, HttpContext http, DomainService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<UpdateDomainInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                if (body.Value!.Enabled is not { } enabled) return (await service.GetAsync(domain, ct)).ToOk(DomainDto.From);
                return (await service.SetSuspendedAsync(domain, !enabled, ct)).ToOk(DomainDto.From);
            })
            .WithName("UpdateDomain").WithSummary("Suspend a domain or bring it back into service")
            .WithDescription("`enabled: false` suspends the domain: its mailboxes refuse logins (IMAP, POP3, SMTP, portal, webmail) and incoming mail, and keep their mail; `suspendedAt` says since when. "
                + "`enabled: true` brings it back. Who: an administrator, or the reseller of the domain's customer; for everyone else (support staff, the customer itself, anyone outside the scope) the domain does not exist here: 404. "
                + "The change is `pending` until the worker has applied it to every mailbox (normally within a second); the domain's `status` is then `suspended` or `active`.")
            .JsonBody<UpdateDomainInput>().Produces<DomainDto>().NotFound();

        domains.MapDelete("/{domain}", async (string domain, DomainService service, CancellationToken ct) =>
                (await service.DeleteAsync(domain, ct)).ToNoContent())
            .WithName("DeleteDomain").WithSummary("Delete a domain")
            .WithDescription("Its mailboxes and aliases stop receiving mail and logging in at once; mail is kept for the grace period.")
            .Produces(StatusCodes.Status204NoContent).NotFound();

        domains.MapPost("/{domain}/restore", async (string domain, DomainService service, CancellationToken ct) =>
                (await service.RestoreAsync(domain, ct)).ToOk(DomainDto.From))
            .WithName("RestoreDomain").WithSummary("Restore a deleted domain with its mailboxes")
            .WithDescription("Within the grace period: the domain comes back with the mailboxes (with their mail) and aliases deleted with it; mailboxes deleted on their own before stay deleted. "
                + "Who: as for deleting it. 404 when it is not deleted, went with its customer (restore the customer), or is outside the caller's scope; 422 when the plan has no room for it any more.")
            .Produces<DomainDto>().NotFound().LimitExceeded();

        domains.MapGet("/{domain}/dns", async (string domain, Features.Domains.DomainDnsReport report, CancellationToken ct) =>
                (await report.ForAsync(domain, ct)).ToOk(list => list.Select(DnsRecordStatusDto.From).ToList()))
            .WithName("GetDomainDns").WithSummary("The DNS records to publish, each checked live")
            .WithDescription("Every record the domain needs (verification TXT, MX, SPF, DMARC, TLS-RPT, DKIM, auto-configuration CNAMEs, SRV, and the MTA-STS TXT and policy-host CNAME when `Mail:MtaSts:Mode` is `Testing` or `Enforce`), each `{name, type, value, purpose, status}` where `status` is `ok`, `missing` or `different` from a lookup now through the configured resolvers (`Dns:Servers`); `found` lists what is published of the same kind, `detail` says why when it helps. `value` is the exact value to publish (TXT without quotes).")
            .Produces<List<DnsRecordStatusDto>>().NotFound();

        domains.MapGet("/{domain}/quota", async (string domain, HostingPanel.Application.Quotas.DomainQuotaService service, CancellationToken ct) =>
                (await service.GetAsync(domain, ct)).ToOk(DomainQuotaDto.Of))
            .WithName("GetDomainQuota").WithSummary("What the domain's next mailbox can have, and the quota the form proposes")
            .WithDescription(DomainQuotaDto.Description).Produces<DomainQuotaDto>().NotFound();

        domains.MapPut("/{domain}/quota", async (string domain, HttpContext http, HostingPanel.Application.Quotas.DomainQuotaService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<DomainQuotaCapInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.SetCapAsync(domain, body.Value!.CapMb, ct)).ToOk(DomainQuotaDto.Of);
            })
            .WithName("SetDomainQuotaCap").WithSummary("Cap the quotas of a domain's mailboxes inside the plan")
            .WithDescription("`{capMb}`: the most the domain's mailboxes' quotas may add up to (null removes the cap). 400 below 1 MB or above the plan's disk; "
                + "422 below what the domain's mailboxes already hold. Creating a mailbox or raising a quota past the cap is then 422 on `quotaMb`. "
                + "Admin, reseller and customer; support staff and mailbox owners 404, as is a domain outside the caller's scope. Audited as `domain.quota-cap`.")
            .JsonBody<DomainQuotaCapInput>().Produces<DomainQuotaDto>().ProducesValidationProblem(StatusCodes.Status400BadRequest).NotFound();

        domains.MapPost("/{domain}/dkim/rotate", async (string domain, Features.Domains.DkimRotation rotation, Features.Domains.DomainDnsReport report, CancellationToken ct) =>
            {
                var rotated = await rotation.RotateAsync(domain, ct);
                if (!rotated.Succeeded) return rotated.ToOk(DomainDto.From);
                return Results.Ok((await report.ForAsync(rotated.Value!, ct)).Select(DnsRecordStatusDto.From).ToList());
            })
            .WithName("RotateDkim").WithSummary("Start a DKIM key rotation")
            .WithDescription("Creates new DKIM keys (RSA 2048 and Ed25519) under new selectors, pending: mail is signed with the current keys until the new records are seen in DNS, then with the new ones. Answers with the domain's records (as `GET .../dns`), the new DKIM records among them.")
            .Produces<List<DnsRecordStatusDto>>().NotFound();

        domains.MapPost("/{domain}/verify", async (string domain, DomainService service, CancellationToken ct) =>
                (await service.VerifyAsync(domain, ct)).ToOk(DomainDto.From))
            .WithName("VerifyDomain").WithSummary("Look the verification record up now")
            .WithDescription("Looks up the TXT record named in `verificationRecord` through the configured resolvers (`Dns:Servers`). 200 with the domain: `verified` true when the record was found (or was found before), false otherwise. The worker also looks periodically (`Domains:VerificationInterval`).")
            .Produces<DomainDto>().NotFound();

        domains.MapPost("/{domain}/verify-by-hand", async (string domain, DomainService service, CancellationToken ct) =>
                (await service.VerifyByHandAsync(domain, ct)).ToOk(DomainDto.From))
            .WithName("VerifyDomainByHand").WithSummary("Mark a domain verified without the DNS record (admin)")
            .WithDescription("For an operator who knows the customer holds the name. Written to the audit log with who did it. 404 for anyone but an admin.")
            .Produces<DomainDto>().NotFound();

        domains.MapPost("/{domain}/retry", async (string domain, DomainService service, CancellationToken ct) =>
                (await service.RetryAsync(domain, ct)).ToOk(DomainDto.From))
            .WithName("RetryDomain").WithSummary("Provision a domain again").Produces<DomainDto>().NotFound();
    }

    private static void MapMailboxes(RouteGroupBuilder mailboxes)
    {
        static string MailboxPath(MailboxDto m) => $"{DomainPath(m.Domain)}/mailboxes/{Uri.EscapeDataString(m.LocalPart)}";

        mailboxes.MapGet("", async (string domain, [AsParameters] ListQuery query, MailboxService service, CancellationToken ct) =>
                (await service.ListAsync(domain, query.ToRequest(), ct)).ToOk(p => PageDto<MailboxDto>.From(p, MailboxDto.From)))
            .WithName("ListMailboxes").WithSummary("List a domain's mailboxes")
            .WithDescription("Ordered by local part; `search` matches the local part and the display name.")
            .Produces<PageDto<MailboxDto>>().Paged().NotFound();

        mailboxes.MapPost("", async (string domain, HttpContext http, MailboxService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<CreateMailboxInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.CreateAsync(domain, body.Value!, ct)).ToCreated(MailboxDto.From, MailboxPath);
            })
            .WithName("CreateMailbox").WithSummary("Create a mailbox")
            .WithDescription("Takes one mailbox and `quotaMb` from the customer's plan (422 when it does not fit). Starts `pending`; the worker makes it `active`, normally within a second.")
            .JsonBody<CreateMailboxInput>().Produces<MailboxDto>(StatusCodes.Status201Created).NotFound().Conflict().LimitExceeded();

        mailboxes.MapGet("/{localPart}", async (string domain, string localPart, MailboxService service, CancellationToken ct) =>
                (await service.GetAsync(domain, localPart, ct)).ToOk(MailboxDto.From))
            .WithName("GetMailbox").WithSummary("Get a mailbox").Produces<MailboxDto>().NotFound();

        mailboxes.MapPatch("/{localPart}", async (string domain, string localPart, HttpContext http, MailboxService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<UpdateMailboxInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.UpdateAsync(domain, localPart, body.Value!, ct)).ToOk(MailboxDto.From);
            })
            .WithName("UpdateMailbox").WithSummary("Change a mailbox")
            .WithDescription("Any of `password`, `quotaMb`, `displayName`, `enabled`, `imapEnabled`, `pop3Enabled`, `pop3RetentionDays` (0 keeps mail forever), `forwardTo`, `keepCopy`; fields left out or null stay as they are. `enabled: false` refuses logins. "
                + "`forwardTo` replaces the forwarding addresses (at most 10; `[]` stops forwarding) and `keepCopy` says whether a copy stays in the mailbox, exactly as the owner sets them in the portal and with the same messages: "
                + "the mailbox's own address is refused, and so is a forward-only setting (`keepCopy: false`) whose addresses lead back to the mailbox (through aliases or other forwards) so that its mail would reach nobody. "
                + "`keepCopy` is always true while nothing is forwarded.")
            .JsonBody<UpdateMailboxInput>().Produces<MailboxDto>().NotFound().Conflict().LimitExceeded();

        mailboxes.MapDelete("/{localPart}", async (string domain, string localPart, MailboxService service, CancellationToken ct) =>
                (await service.DeleteAsync(domain, localPart, ct)).ToNoContent())
            .WithName("DeleteMailbox").WithSummary("Delete a mailbox")
            .WithDescription("Stops receiving and logging in at once; the mail is kept for the grace period, during which admin and support can restore it.")
            .Produces(StatusCodes.Status204NoContent).NotFound();

        mailboxes.MapPost("/{localPart}/restore", async (string domain, string localPart, MailboxService service, CancellationToken ct) =>
                (await service.RestoreAsync(domain, localPart, ct)).ToOk(MailboxDto.From))
            .WithName("RestoreMailbox").WithSummary("Restore a deleted mailbox (admin, support)")
            .WithDescription("Brings back a mailbox deleted within the grace period, with its mail, if the plan still has room (422 otherwise).")
            .Produces<MailboxDto>().NotFound().Conflict().LimitExceeded();

        mailboxes.MapGet("/{localPart}/folders", async (string domain, string localPart, MailboxFolderService service, CancellationToken ct) =>
                (await service.GetAsync(domain, localPart, ct)).ToOk(o => o.Folders.Select(FolderDto.From).ToList()))
            .WithName("ListMailboxFolders").WithSummary("A mailbox's folders with their size, largest first")
            .WithDescription("Each `{name, messages, bytes, retentionDays}` (plus `specialUse` and `retentionIsDefault`), largest first. Names are Unicode with `/` between levels. Read from totals the engine keeps beside the messages: fast for any mailbox size. 404 while the mailbox is not yet in the engine.")
            .Produces<List<FolderDto>>().NotFound();

        // {**name}: a folder name may hold '/' (the hierarchy), sent as it is or as %2F.
        mailboxes.MapPatch("/{localPart}/folders/{**name}", async (string domain, string localPart, string name, HttpContext http, MailboxFolderService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<FolderRetentionInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.SetRetentionAsync(domain, localPart, FolderRouteName(name), body.Value!, ct)).ToOk(FolderDto.From);
            })
            .WithName("UpdateMailboxFolder").WithSummary("Set a folder's retention")
            .WithDescription("`retentionDays`: messages that came into the folder longer ago are removed by the engine's hourly run (0 = never; null = back to the plan's default for Trash and Junk). URL-encode the name (`Reisekosten%2F2026`, `%C3%9Cber`). 404 for a folder or mailbox that does not exist or is outside the caller's scope.")
            .JsonBody<FolderRetentionInput>().Produces<FolderDto>().NotFound();

        mailboxes.MapGet("/{localPart}/largest-messages", async (string domain, string localPart, int? limit, MailboxFolderService service, CancellationToken ct) =>
                (await service.GetLargestAsync(domain, localPart, limit ?? 20, ct)).ToOk(l => l.Items.Select(LargeMessageDto.Of).ToList()))
            .WithName("ListLargestMessages").WithSummary("A mailbox's largest messages, across its folders")
            .WithDescription("`limit` 1 to 100 (default 20): folder, UID, size, date, subject and sender of each, largest first.")
            .Produces<List<LargeMessageDto>>().NotFound();

        mailboxes.MapGet("/{localPart}/activity", async (string domain, string localPart, MailboxActivityService service, CancellationToken ct) =>
                (await service.GetAsync(domain, localPart, ct)).ToOk(MailboxActivityDto.From))
            .WithName("GetMailboxActivity").WithSummary("How a mailbox is used: last logins, POP3 copies kept on the server")
            .WithDescription("`lastLogins`: the last successful login per way in (`imap`, `pop3`, `webmail`, `submission`, `managesieve`; a way never used is absent). "
                + "`pop3Kept`: mail a POP3 program downloaded and left on the server (`messages`, `bytes`, `oldestRetrievedAt`, `keptForDays`). "
                + "`pop3Removed`: what POP3 programs removed in the last `windowDays` days. `advice` (null when none): the mailbox grows by "
                + "what its POP3 program downloads and never deletes, `bytesPerDay`, `projectedFullAt` and the `suggestedRetentionDays` that "
                + "`PATCH .../mailboxes/{localPart}` with `pop3RetentionDays` applies. 404 outside the caller's scope.")
            .Produces<MailboxActivityDto>().NotFound();

        mailboxes.MapGet("/{localPart}/usage-history", async (string domain, string localPart, string? range, HostingPanel.Application.Usage.UsageHistoryService service, CancellationToken ct) =>
                (await service.ForMailboxAsync(domain, localPart, range, ct)).ToOk(UsageHistoryDto.Of))
            .WithName("GetMailboxUsageHistory").WithSummary("A mailbox's disk use over time")
            .WithDescription(UsageHistoryDto.Description).Produces<UsageHistoryDto>().ProducesValidationProblem(StatusCodes.Status400BadRequest).NotFound();

        mailboxes.MapPost("/{localPart}/retry", async (string domain, string localPart, MailboxService service, CancellationToken ct) =>
                (await service.RetryAsync(domain, localPart, ct)).ToOk(MailboxDto.From))
            .WithName("RetryMailbox").WithSummary("Provision a mailbox again")
            .WithDescription("Queues the mailbox for the worker again, e.g. after `status: failed`; it becomes `pending`, then `active`.")
            .Produces<MailboxDto>().NotFound();
    }

    /// <summary>Kestrel decodes the path except "%2F" (so that it cannot fake a segment): a folder's '/' arrives either way.</summary>
    private static string FolderRouteName(string name) => name.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    private static void MapAliases(RouteGroupBuilder aliases)
    {
        static string AliasPath(AliasDto a) => $"{DomainPath(a.Domain)}/aliases/{Uri.EscapeDataString(a.LocalPart)}";

        aliases.MapGet("", async (string domain, [AsParameters] ListQuery query, AliasService service, CancellationToken ct) =>
                (await service.ListAsync(domain, query.ToRequest(), ct)).ToOk(p => PageDto<AliasDto>.From(p, AliasDto.From)))
            .WithName("ListAliases").WithSummary("List a domain's aliases")
            .WithDescription("Ordered by local part; `search` matches the local part and the destinations.")
            .Produces<PageDto<AliasDto>>().Paged().NotFound();

        aliases.MapPost("", async (string domain, HttpContext http, AliasService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<CreateAliasInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.CreateAsync(domain, body.Value!, ct)).ToCreated(AliasDto.From, AliasPath);
            })
            .WithName("CreateAlias").WithSummary("Create an alias")
            .WithDescription("`localPart` `*` is the domain's catch-all. Every destination gets one copy; external ones are relayed.")
            .JsonBody<CreateAliasInput>().Produces<AliasDto>(StatusCodes.Status201Created).NotFound().Conflict();

        aliases.MapGet("/{localPart}", async (string domain, string localPart, AliasService service, CancellationToken ct) =>
                (await service.GetAsync(domain, localPart, ct)).ToOk(AliasDto.From))
            .WithName("GetAlias").WithSummary("Get an alias").Produces<AliasDto>().NotFound();

        aliases.MapPut("/{localPart}", async (string domain, string localPart, HttpContext http, AliasService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<ReplaceDestinationsInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.ReplaceDestinationsAsync(domain, localPart, body.Value!, ct)).ToOk(AliasDto.From);
            })
            .WithName("ReplaceAliasDestinations").WithSummary("Replace an alias's destinations")
            .JsonBody<ReplaceDestinationsInput>().Produces<AliasDto>().NotFound().Conflict();

        aliases.MapDelete("/{localPart}", async (string domain, string localPart, AliasService service, CancellationToken ct) =>
                (await service.DeleteAsync(domain, localPart, ct)).ToNoContent())
            .WithName("DeleteAlias").WithSummary("Delete an alias").Produces(StatusCodes.Status204NoContent).NotFound();

        aliases.MapPost("/{localPart}/retry", async (string domain, string localPart, AliasService service, CancellationToken ct) =>
                (await service.RetryAsync(domain, localPart, ct)).ToOk(AliasDto.From))
            .WithName("RetryAlias").WithSummary("Provision an alias again").Produces<AliasDto>().NotFound();
    }
}
