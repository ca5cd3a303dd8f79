using HostingPanel.Application.Common;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Mailboxes;

/// <summary>A domain's mailboxes: create, settings (quota, protocols, retention, suspend), password, delete; restore for staff.</summary>
[RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class MailboxesController(MailboxService mailboxes, IActorAccessor actor) : PortalController
{
    [HttpGet("domains/{domain}/mailboxes/new")]
    public async Task<IActionResult> Create(string domain, [FromServices] DomainService domains,
        [FromServices] HostingPanel.Application.Quotas.DomainQuotaService quotas, CancellationToken ct)
    {
        // Another tenant's domain does not exist for this user, not even as an empty form.
        if (!(await domains.GetAsync(domain, ct)).Succeeded) return NotFound();
        ViewData["Domain"] = domain;
        // Issue 19 item 7: a quota that fits (the plan's default, or an equal share of what is left), and what is left.
        var room = (await quotas.GetAsync(domain, ct)).Value;
        ViewData["QuotaRoom"] = room;
        return View(new CreateMailboxInput { QuotaMb = room is { ProposedQuotaMb: > 0 } ? room.ProposedQuotaMb : 1024 });
    }

    [HttpPost("domains/{domain}/mailboxes/new")]
    public async Task<IActionResult> Create(string domain, CreateMailboxInput form,
        [FromServices] HostingPanel.Application.Quotas.DomainQuotaService quotas, CancellationToken ct)
    {
        var result = await mailboxes.CreateAsync(domain, form, ct);
        if (result.Succeeded)
        {
            Flash($"Mailbox {result.Value!.Address} created.");
            return Redirect($"/domains/{Uri.EscapeDataString(result.Value.Domain)}");
        }
        if (Show(result.Failure!) is { } notFound) return notFound;
        ViewData["Domain"] = domain;
        ViewData["QuotaRoom"] = (await quotas.GetAsync(domain, ct)).Value;
        // The address is held by a deleted mailbox in its grace period: offer to delete that mail now and go on.
        ViewData["OfferPurge"] = result.Failure!.Kind == FailureKind.Conflict && PurgeMessages.IsDeletedInGrace(result.Failure.Message);
        return View(form);
    }

    [HttpGet("domains/{domain}/mailboxes/{localPart}")]
    public async Task<IActionResult> Edit(string domain, string localPart, [FromServices] MailboxFolderService folders,
        [FromServices] MailboxActivityService activity, [FromServices] HostingPanel.Application.Usage.UsageHistoryService history,
        [FromServices] TimeProvider time, string? range, CancellationToken ct)
    {
        var result = await mailboxes.GetAsync(domain, localPart, ct);
        if (!result.Succeeded) return NotFound();
        var m = result.Value!;
        ViewData["Mailbox"] = m;
        await AddFolderUsageAsync(m, folders, ct);
        if ((await activity.GetAsync(m.Domain, m.LocalPart, ct)).Value is { } a)
            ViewData["Activity"] = new MailboxActivityPanel(a, $"/domains/{Uri.EscapeDataString(m.Domain)}/mailboxes/{Uri.EscapeDataString(m.LocalPart)}/pop3-retention", ForOwner: false);
        // A range that is not week or year shows the week (the API says 400; a page link is never worth an error page).
        if ((await history.ForMailboxAsync(m.Domain, m.LocalPart, HostingPanel.Application.Usage.UsageHistoryService.ParseRange(range).Succeeded ? range : null, ct)).Value is { } h)
            ViewData["History"] = new UsageHistoryChart(h, $"/domains/{Uri.EscapeDataString(m.Domain)}/mailboxes/{Uri.EscapeDataString(m.LocalPart)}", time.GetUtcNow());
        return View(new MailboxForm
        {
            DisplayName = m.DisplayName,
            QuotaMb = m.QuotaMb,
            Enabled = m.Enabled,
            ImapEnabled = m.ImapEnabled,
            Pop3Enabled = m.Pop3Enabled,
            Pop3RetentionDays = m.Pop3RetentionDays,
        });
    }

    /// <summary>The folder-usage card (absent while the mailbox is not yet in the engine).</summary>
    private async Task AddFolderUsageAsync(MailboxView m, MailboxFolderService folders, CancellationToken ct)
    {
        var overview = await folders.GetAsync(m.Domain, m.LocalPart, ct);
        var path = $"/domains/{Uri.EscapeDataString(m.Domain)}/mailboxes/{Uri.EscapeDataString(m.LocalPart)}";
        ViewData["Folders"] = overview.Value is { } o ? new FolderUsagePanel(o, path + "/folders/retention", path + "/largest", WebmailLinks: false) : null;
    }

    [HttpPost("domains/{domain}/mailboxes/{localPart}/folders/retention")]
    public async Task<IActionResult> FolderRetention(string domain, string localPart, FolderRetentionForm form, [FromServices] MailboxFolderService folders, CancellationToken ct)
    {
        var result = await folders.SetRetentionAsync(domain, localPart, form.Folder ?? "", new FolderRetentionInput { RetentionDays = form.RetentionDays }, ct);
        if (result.Failure is { Kind: FailureKind.NotFound } f && f != MailboxFolderService.FolderNotFound) return NotFound();
        if (result.Succeeded) Flash($"Retention of {result.Value!.Name} set to {(result.Value.RetentionDays == 0 ? "never" : $"{result.Value.RetentionDays} days")}.");
        else TempData["Error"] = result.Failure!.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Failure.Message;
        return Redirect($"/domains/{Uri.EscapeDataString(domain)}/mailboxes/{Uri.EscapeDataString(localPart)}");
    }

    /// <summary>The POP3 advice's one-click fix (also on the "POP3 programs that never delete" report): POP3 retention of <paramref name="days"/>.</summary>
    [HttpPost("domains/{domain}/mailboxes/{localPart}/pop3-retention")]
    public async Task<IActionResult> Pop3Retention(string domain, string localPart, int days, string? returnTo, [FromServices] MailboxActivityService activity, CancellationToken ct)
    {
        var result = await activity.SetPop3RetentionAsync(domain, localPart, days, ct);
        if (result.Failure is { Kind: FailureKind.NotFound }) return NotFound();
        if (result.Succeeded) Flash($"{result.Value!.Address}: downloaded mail is now removed from the server {result.Value.Pop3RetentionDays} days after the first download.");
        else TempData["Error"] = result.Failure!.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Failure.Message;
        // Back to the report when it was clicked there (a local path only: never an open redirect).
        return Redirect(returnTo == "/reports/pop3-keepers" ? returnTo : $"/domains/{Uri.EscapeDataString(domain)}/mailboxes/{Uri.EscapeDataString(localPart)}");
    }

    [HttpGet("domains/{domain}/mailboxes/{localPart}/largest")]
    public async Task<IActionResult> Largest(string domain, string localPart, [FromServices] MailboxFolderService folders, CancellationToken ct)
    {
        var result = await folders.GetLargestAsync(domain, localPart, 20, ct);
        if (!result.Succeeded) return NotFound();
        ViewData["Title"] = "Largest messages";
        ViewData["Back"] = $"/domains/{Uri.EscapeDataString(domain)}/mailboxes/{Uri.EscapeDataString(localPart)}";
        return View("~/Features/Shared/_LargestMessages.cshtml", result.Value);
    }

    [HttpPost("domains/{domain}/mailboxes/{localPart}")]
    public async Task<IActionResult> Edit(string domain, string localPart, MailboxForm form, CancellationToken ct)
    {
        var input = new UpdateMailboxInput
        {
            DisplayName = form.DisplayName ?? "",
            // Support staff do not change quotas (they come out of plans); the field is read-only for them.
            QuotaMb = actor.Actor.IsSupport ? null : form.QuotaMb,
            Enabled = form.Enabled,
            ImapEnabled = form.ImapEnabled,
            Pop3Enabled = form.Pop3Enabled,
            Pop3RetentionDays = form.Pop3RetentionDays,
        };
        var result = await mailboxes.UpdateAsync(domain, localPart, input, ct);
        if (result.Succeeded)
        {
            Flash($"Mailbox {result.Value!.Address} saved.");
            return Redirect($"/domains/{Uri.EscapeDataString(result.Value.Domain)}/mailboxes/{Uri.EscapeDataString(result.Value.LocalPart)}");
        }
        if (Show(result.Failure!) is { } notFound) return notFound;
        var current = await mailboxes.GetAsync(domain, localPart, ct);
        if (!current.Succeeded) return NotFound();
        ViewData["Mailbox"] = current.Value;
        return View(form);
    }

    [HttpGet("domains/{domain}/mailboxes/{localPart}/password")]
    public async Task<IActionResult> Password(string domain, string localPart, CancellationToken ct)
    {
        var result = await mailboxes.GetAsync(domain, localPart, ct);
        if (!result.Succeeded) return NotFound();
        ViewData["Mailbox"] = result.Value;
        return View(new ChangePasswordInput());
    }

    [HttpPost("domains/{domain}/mailboxes/{localPart}/password")]
    public async Task<IActionResult> Password(string domain, string localPart, ChangePasswordInput form, CancellationToken ct)
    {
        // An empty field would mean "no change" to the service: say so here as the validator would.
        var result = await mailboxes.UpdateAsync(domain, localPart, new UpdateMailboxInput { Password = form.Password ?? "" }, ct);
        if (result.Succeeded)
        {
            Flash($"The password of {result.Value!.Address} was changed. Mail programs use it at once; in the portal its owner must choose a new one first.");
            return Redirect($"/domains/{Uri.EscapeDataString(result.Value.Domain)}/mailboxes/{Uri.EscapeDataString(result.Value.LocalPart)}");
        }
        if (Show(result.Failure!) is { } notFound) return notFound;
        var current = await mailboxes.GetAsync(domain, localPart, ct);
        if (!current.Succeeded) return NotFound();
        ViewData["Mailbox"] = current.Value;
        return View(form);
    }

    [HttpGet("domains/{domain}/mailboxes/{localPart}/delete")]
    public async Task<IActionResult> Delete(string domain, string localPart, CancellationToken ct)
    {
        var result = await mailboxes.GetAsync(domain, localPart, ct);
        return result.Succeeded ? View(result.Value) : NotFound();
    }

    [HttpPost("domains/{domain}/mailboxes/{localPart}/delete")]
    public async Task<IActionResult> DeleteConfirmed(string domain, string localPart, CancellationToken ct)
    {
        var result = await mailboxes.DeleteAsync(domain, localPart, ct);
        if (!result.Succeeded) return NotFound();
        Flash($"Mailbox {localPart}@{domain} deleted. Staff can restore it during the grace period.");
        return Redirect($"/domains/{Uri.EscapeDataString(domain)}");
    }

    [HttpGet("deleted-mailboxes"), RolesOr404(Roles.Admin, Roles.Support)]
    public async Task<IActionResult> Deleted(int page = 1, string? q = null, CancellationToken ct = default)
    {
        ViewData["q"] = q;
        return View(await mailboxes.ListDeletedAsync(Paging(page, q), ct));
    }

    [HttpPost("deleted-mailboxes/restore"), RolesOr404(Roles.Admin, Roles.Support)]
    public async Task<IActionResult> Restore(string domain, string localPart, CancellationToken ct)
    {
        var result = await mailboxes.RestoreAsync(domain, localPart, ct);
        if (result.Succeeded) Flash($"Mailbox {result.Value!.Address} restored.");
        else if (result.Failure!.Kind == FailureKind.NotFound) return NotFound();
        else TempData["Error"] = result.Failure.Message;
        return RedirectToAction(nameof(Deleted));
    }
}

/// <summary>Mailbox settings; field names match UpdateMailboxInput.</summary>
public sealed class MailboxForm
{
    public string? DisplayName { get; set; }
    public long QuotaMb { get; set; }
    public bool Enabled { get; set; }
    public bool ImapEnabled { get; set; }
    public bool Pop3Enabled { get; set; }
    public int Pop3RetentionDays { get; set; }
}
