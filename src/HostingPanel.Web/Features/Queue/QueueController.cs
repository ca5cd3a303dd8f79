using HostingPanel.Application.Common;
using HostingPanel.Data.Identity;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Queue;

/// <summary>Admins: the outbound mail queue of this mail node (relay, forwarding, bounces), with retry and delete.</summary>
[Route("queue"), RolesOr404(Roles.Admin)]
public sealed class QueueController(IServiceProvider services) : PortalController
{
    // Registered only where this process runs the mail engine (Roles includes Mail).
    private IOutboundQueueAdmin? Queue => services.GetService<IOutboundQueueAdmin>();

    [HttpGet("")]
    public async Task<IActionResult> Index(int page = 1, string? q = null, CancellationToken ct = default)
    {
        var request = Paging(page, q);
        ViewData["q"] = q;
        if (Queue is not { } queue) return View(new QueuePage(false, new Page<QueuedMessage>([], 0, request.SafePage, request.SafePageSize)));
        var listing = await queue.ListAsync(request.Term, request.Skip, request.SafePageSize, ct);
        return View(new QueuePage(true, new Page<QueuedMessage>(listing.Items, listing.Total, request.SafePage, request.SafePageSize)));
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
}

public sealed record QueuePage(bool Available, Page<QueuedMessage> Entries);
