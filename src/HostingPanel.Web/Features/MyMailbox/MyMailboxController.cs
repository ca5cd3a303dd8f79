using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Identity;
using HostingPanel.MailEngine.Outbound.Limits;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.MyMailbox;

/// <summary>A mailbox owner's own pages: quota, password, forwarding and POP3 retention, mail program setup.</summary>
[Route("my"), RolesOr404(Roles.MailboxUser)]
public sealed class MyMailboxController(MailboxService mailboxes, MailboxFolderService folders, MailboxActivityService activity, IConfiguration configuration,
    ISendingHolds sendingHolds) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index([FromServices] HostingPanel.Application.Usage.UsageHistoryService history, [FromServices] TimeProvider time,
        string? range, CancellationToken ct)
    {
        var own = await mailboxes.GetOwnAsync(ct);
        if (!own.Succeeded) return NotFound();
        // Absent while the mailbox is still being provisioned: the page shows the quota alone.
        var overview = await folders.GetOwnAsync(ct);
        ViewData["Folders"] = overview.Value is { } o ? new FolderUsagePanel(o, "/my/folders/retention", "/my/largest", WebmailLinks: true) : null;
        if ((await activity.GetOwnAsync(ct)).Value is { } a)
            ViewData["Activity"] = new MailboxActivityPanel(a, "/my/pop3-retention", ForOwner: true);
        if ((await history.ForOwnMailboxAsync(HostingPanel.Application.Usage.UsageHistoryService.ParseRange(range).Succeeded ? range : null, ct)).Value is { } h)
            ViewData["History"] = new UsageHistoryChart(h, "/my", time.GetUtcNow());
        // Outbound abuse limits: the owner is told why sending stopped (no hold where this node runs no mail engine).
        ViewData["SendingHold"] = await sendingHolds.GetAsync(own.Value!.Address, ct);
        return View(own.Value);
    }

    [HttpPost("folders/retention")]
    public async Task<IActionResult> FolderRetention(FolderRetentionForm form, CancellationToken ct)
    {
        var result = await folders.SetOwnRetentionAsync(form.Folder ?? "", new FolderRetentionInput { RetentionDays = form.RetentionDays }, ct);
        if (result.Failure is { Kind: Application.Common.FailureKind.NotFound } f && f != MailboxFolderService.FolderNotFound) return NotFound();
        if (result.Succeeded) Flash($"Retention of {result.Value!.Name} set to {(result.Value.RetentionDays == 0 ? "never" : $"{result.Value.RetentionDays} days")}.");
        else TempData["Error"] = result.Failure!.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Failure.Message;
        return RedirectToAction(nameof(Index));
    }

    /// <summary>The POP3 advice's one-click fix on the owner's page: downloaded mail leaves the server after <paramref name="days"/>.</summary>
    [HttpPost("pop3-retention")]
    public async Task<IActionResult> Pop3Retention(int days, CancellationToken ct)
    {
        var result = await activity.SetOwnPop3RetentionAsync(days, ct);
        if (result.Failure is { Kind: Application.Common.FailureKind.NotFound }) return NotFound();
        if (result.Succeeded) Flash($"Downloaded mail is now removed from the server {result.Value!.Pop3RetentionDays} days after your mail program first fetched it.");
        else TempData["Error"] = result.Failure!.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Failure.Message;
        return RedirectToAction(nameof(Index));
    }

    /// <summary>
    /// Issue 16.10: mail to this address (or forwarded on by it) that failed, whose sender was not told because it could
    /// not be proven (SPF or aligned DKIM): the owner learns of it here instead. Only lines whose recipient is this
    /// address, since the mailbox was created (an earlier mailbox of the same address was someone else's).
    /// </summary>
    [HttpGet("undelivered")]
    public async Task<IActionResult> Undelivered([FromServices] HostingPanel.MailEngine.Delivery.IDeliveryLog log, CancellationToken ct)
    {
        var own = await mailboxes.GetOwnAsync(ct);
        if (!own.Succeeded) return NotFound();
        ViewData["Address"] = own.Value!.Address;
        try
        {
            var page = await log.SearchAsync(new HostingPanel.MailEngine.Delivery.DeliveryLogQuery(own.Value.Address, null, own.Value.CreatedAt, null, null, 0, 100,
                Reason: "dsn_suppressed", RecipientOnly: true), ct);
            return View(page.Items);
        }
        catch (Deliveries.MailRoleAbsentException)
        {
            // A portal-only node has no delivery log: the page says so rather than failing.
            ViewData["Absent"] = true;
            return View(Array.Empty<HostingPanel.MailEngine.Delivery.DeliveryLogLine>());
        }
    }

    [HttpGet("largest")]
    public async Task<IActionResult> Largest(CancellationToken ct)
    {
        var result = await folders.GetOwnLargestAsync(20, ct);
        if (!result.Succeeded) return NotFound();
        ViewData["Title"] = "Largest messages";
        ViewData["Back"] = "/my";
        ViewData["WebmailLinks"] = true;
        return View("~/Features/Shared/_LargestMessages.cshtml", result.Value);
    }

    [HttpGet("settings")]
    public async Task<IActionResult> Settings(CancellationToken ct)
    {
        var own = await mailboxes.GetOwnAsync(ct);
        if (!own.Succeeded) return NotFound();
        var m = own.Value!;
        ViewData["Mailbox"] = m;
        return View(new OwnerSettingsForm { ForwardTo = string.Join("\n", m.ForwardTo), KeepCopy = m.KeepCopy, Pop3RetentionDays = m.Pop3RetentionDays });
    }

    [HttpPost("settings")]
    public async Task<IActionResult> Settings(OwnerSettingsForm form, CancellationToken ct)
    {
        var input = new OwnerSettingsInput
        {
            ForwardTo = (form.ForwardTo ?? "").Split(['\n', '\r', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
            KeepCopy = form.KeepCopy,
            Pop3RetentionDays = form.Pop3RetentionDays,
        };
        var result = await mailboxes.UpdateOwnSettingsAsync(input, ct);
        if (result.Succeeded)
        {
            Flash("Your settings were saved.");
            return RedirectToAction(nameof(Index));
        }
        if (Show(result.Failure!, f => f.StartsWith(nameof(form.ForwardTo), StringComparison.OrdinalIgnoreCase) ? nameof(form.ForwardTo) : f) is { } notFound) return notFound;
        ViewData["Mailbox"] = (await mailboxes.GetOwnAsync(ct)).Value;
        return View(form);
    }

    [HttpGet("password")]
    public IActionResult Password() => View(new ChangePasswordInput());

    [HttpPost("password")]
    public async Task<IActionResult> Password(ChangePasswordInput form, [FromServices] HostingPanel.Web.Features.Account.OwnPasswordChange change, CancellationToken ct)
    {
        var failure = await change.ChangeMailboxPasswordAsync(form, ct);
        if (failure is null)
        {
            Flash("Your password was changed. Your other sessions (portal, webmail, mail programs) were signed out: use the new password in your mail programs too.");
            return RedirectToAction(nameof(Index));
        }
        return Show(failure) ?? View(form);
    }

    [HttpGet("setup")]
    public async Task<IActionResult> Setup(CancellationToken ct)
    {
        var own = await mailboxes.GetOwnAsync(ct);
        if (!own.Succeeded) return NotFound();
        return View(new MailSetup(own.Value!, MailServers.From(configuration)));
    }
}

public sealed class OwnerSettingsForm
{
    /// <summary>Addresses, one per line.</summary>
    public string? ForwardTo { get; set; }
    public bool KeepCopy { get; set; } = true;
    public int Pop3RetentionDays { get; set; }
}

public sealed record MailSetup(MailboxView Mailbox, MailServers Servers);
