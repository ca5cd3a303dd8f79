using HostingPanel.Application.Common;
using HostingPanel.Data.Identity;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Outbound.Limits;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Queue;

/// <summary>Admins: the outbound mail queue of this mail node (relay, forwarding, bounces), with retry and delete.</summary>
[Route("queue"), RolesOr404(Roles.Admin)]
public sealed class QueueController(IServiceProvider services) : PortalController
{
    // Registered only where this process runs the mail engine (Roles includes Mail).
    private IOutboundQueueAdmin? Queue => services.GetService<IOutboundQueueAdmin>();
    private ISendingHolds? Holds => services.GetService<ISendingHolds>();

    [HttpGet("")]
    public async Task<IActionResult> Index(int page = 1, string? q = null, CancellationToken ct = default)
    {
        var request = Paging(page, q);
        ViewData["q"] = q;
        if (Queue is not { } queue) return View(new QueuePage(false, new Page<QueuedMessage>([], 0, request.SafePage, request.SafePageSize), []));
        var listing = await queue.ListAsync(request.Term, request.Skip, request.SafePageSize, ct);
        var holds = Holds is { } h ? await h.ListAsync(ct) : [];
        return View(new QueuePage(true, new Page<QueuedMessage>(listing.Items, listing.Total, request.SafePage, request.SafePageSize), holds));
    }

    [HttpPost("{id}/retry")]
    public async Task<IActionResult> Retry(string id, CancellationToken ct)
    {
        if (Queue is not { } queue || !await queue.RetryNowAsync(id, ct)) return NotFound();
        Flash("The message will be tried again now.");
        return RedirectToAction(nameof(Index));
    }

    [HttpPost("{id}/delete")]
    public async Task<IActionResult> Delete(string id, CancellationToken ct)
    {
        if (Queue is not { } queue || !await queue.DeleteAsync(id, ct)) return NotFound();
        Flash("The message was removed from the queue without a bounce.");
        return RedirectToAction(nameof(Index));
    }

    /// <summary>Ends a mailbox's sending hold (outbound abuse limits): it may send again and its queued mail leaves.</summary>
    [HttpPost("holds/{address}/release")]
    public async Task<IActionResult> Release(string address, CancellationToken ct)
    {
        if (Holds is not { } holds || !await holds.ReleaseAsync(address, ct)) return NotFound();
        Flash($"{address} may send again; its waiting mail leaves now.");
        return RedirectToAction(nameof(Index));
    }
}

public sealed record QueuePage(bool Available, Page<QueuedMessage> Entries, IReadOnlyList<SendingHold> Holds)
{
    public bool IsHeld(QueuedMessage entry) => entry.SubmittedBy is { } by && Holds.Any(h => string.Equals(h.Address, by, StringComparison.OrdinalIgnoreCase));
}
