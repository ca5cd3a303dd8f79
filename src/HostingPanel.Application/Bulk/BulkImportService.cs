using FluentValidation;
using HostingPanel.Application.Aliases;
using HostingPanel.Application.Common;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Bulk;

/// <summary>
/// Bulk import of a domain's mailboxes or aliases from CSV. Every line is planned first with the portal's validators
/// and the plan's limits (a dry run stops there); a real run then applies the planned lines one by one through
/// <see cref="MailboxService"/> and <see cref="AliasService"/>, which check everything again, so a line that a
/// concurrent change made impossible is reported as refused rather than forced in.
/// </summary>
public sealed class BulkImportService(
    HostingPanelDbContext db,
    IActorAccessor actorAccessor,
    MailboxService mailboxes,
    AliasService aliases,
    IValidator<CreateMailboxInput> createMailboxValidator,
    IValidator<UpdateMailboxInput> updateMailboxValidator,
    IValidator<CreateAliasInput> createAliasValidator,
    ForwardingReach forwardingReach,
    ChangeRecorder recorder,
    UnitOfWork unitOfWork)
{
    private Actor Actor => actorAccessor.Actor;

    public async Task<ServiceResult<BulkImportResult>> ImportAsync(string domain, BulkCsvFile file, bool dryRun, CancellationToken ct = default)
    {
        if (!Actor.CanManageMailboxes() || !DomainName.TryParse(domain, out var dn, out _)) return Failure.NotFound("The domain");
        var d = await db.Domains.AsNoTracking().FirstOrDefaultAsync(x => x.Name == dn!.Value && x.Status != EntityStatus.Deleting, ct);
        if (d is null) return Failure.NotFound("The domain");
        var context = await BulkImportContext.LoadAsync(db, d, ct);

        var results = new List<BulkLineResult>(file.Rows.Count);
        if (file.Kind == BulkCsvKind.Mailboxes)
        {
            var planner = new MailboxLinePlanner(createMailboxValidator, updateMailboxValidator, forwardingReach, Actor);
            foreach (var row in file.Rows)
            {
                var plan = await planner.PlanAsync(row, context, ct);
                results.Add(dryRun ? plan.Result : await ApplyAsync(d.Name, plan, ct));
            }
        }
        else
        {
            var planner = new AliasLinePlanner(createAliasValidator);
            foreach (var row in file.Rows)
            {
                var plan = await planner.PlanAsync(row, context, ct);
                results.Add(dryRun ? plan.Result : await ApplyAsync(d.Name, plan, ct));
            }
        }
        if (!dryRun)
        {
            recorder.Audit("domain.import", "Domain", d.Name,
                $"{file.Kind.ToString().ToLowerInvariant()}: {results.Count(r => r.Action == BulkAction.Create)} created, {results.Count(r => r.Action == BulkAction.Change)} changed, {results.Count(r => r.Action == BulkAction.Refuse)} refused");
            await unitOfWork.CommitAsync("file", ct);
        }
        return new BulkImportResult(dryRun, file.Kind, results);
    }

    private async Task<BulkLineResult> ApplyAsync(string domain, MailboxLinePlan plan, CancellationToken ct)
    {
        var r = plan.Result;
        if (r.Action is BulkAction.Refuse or BulkAction.Unchanged) return r;
        var localPart = r.Address[..r.Address.LastIndexOf('@')];
        try
        {
            if (plan.Create is { } create && (await mailboxes.CreateAsync(domain, create, ct)).Failure is { } createFailure)
                return Refused(r, createFailure, BulkCsvKind.Mailboxes);
            var update = plan.Update;
            if (plan.Create is not null && plan.Imap is not null) update = new UpdateMailboxInput { ImapEnabled = plan.Imap, Pop3Enabled = plan.Pop3 };
            // Forwards go through the mailbox service's own forwarding rules (never to itself, never a forward-only loop
            // that reaches nobody), re-checked here against the lines applied above: the plan saw only the state before.
            if (plan.ForwardTo is not null) (update ??= new UpdateMailboxInput()).ForwardTo = plan.ForwardTo.ToList();
            if (update is not null && (await mailboxes.UpdateAsync(domain, localPart, update, ct)).Failure is { } updateFailure)
                return Refused(r, updateFailure, BulkCsvKind.Mailboxes);
            if (plan.NewPasswordHash is not null && await SetImportedHashAsync(domain, localPart, plan.NewPasswordHash, ct) is { } failure)
                return Refused(r, failure, BulkCsvKind.Mailboxes);
            return r;
        }
        finally
        {
            // Each line is its own unit of work: a long file must not grow the change tracker line after line.
            db.ChangeTracker.Clear();
        }
    }

    private async Task<BulkLineResult> ApplyAsync(string domain, AliasLinePlan plan, CancellationToken ct)
    {
        var r = plan.Result;
        if (r.Action is BulkAction.Refuse or BulkAction.Unchanged) return r;
        try
        {
            var failure = r.Action == BulkAction.Create
                ? (await aliases.CreateAsync(domain, new CreateAliasInput { LocalPart = plan.LocalPart, Destinations = plan.Destinations! }, ct)).Failure
                : (await aliases.ReplaceDestinationsAsync(domain, plan.LocalPart!, new ReplaceDestinationsInput { Destinations = plan.Destinations! }, ct)).Failure;
            return failure is null ? r : Refused(r, failure, BulkCsvKind.Aliases);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>What the mailbox API has no field for: an imported Dovecot hash on an existing mailbox.</summary>
    private async Task<Failure?> SetImportedHashAsync(string domain, string localPart, string hash, CancellationToken ct)
    {
        var m = await db.Mailboxes.Include(x => x.Domain).ThenInclude(x => x!.Customer)
            .FirstOrDefaultAsync(x => x.Domain!.Name == domain && x.LocalPart == localPart && x.Status != EntityStatus.Deleting, ct);
        if (m is null) return Failure.NotFound("The mailbox");
        m.ChangePassword(hash);
        // A new password ends the owner's portal and webmail sessions (the engine ends IMAP and POP3).
        await Users.PortalSessionRevocation.EndSessionsOfMailboxAsync(db, m.Id, ct);
        m.MarkPending();
        recorder.Record("mailbox.import", OutboxEntityType.Mailbox, m.Id, m.AddressIn(domain), m.Domain!.CustomerId, m.Domain.Customer!.ResellerId, "password hash");
        return await unitOfWork.CommitAsync("passwordHash", ct);
    }

    private static BulkLineResult Refused(BulkLineResult r, Failure failure, BulkCsvKind kind)
    {
        var errors = new BulkLineErrors();
        errors.Add(failure, kind);
        return r with { Action = BulkAction.Refuse, Changes = [], Errors = errors.ToDictionary() };
    }
}
