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
    private HostingPanel.MailEngine.Outbound.Srs.SrsRewriter? Srs => services.GetService<HostingPanel.MailEngine.Outbound.Srs.SrsRewriter>();

    [HttpGet("")]
    public async Task<IActionResult> Index(int page = 1, string? q = null, CancellationToken ct = default)
    {
        var request = Paging(page, q);
        ViewData["q"] = q;
        if (Queue is not { } queue) return View(new QueuePage(false, new Page<QueuedMessage>([], 0, request.SafePage, request.SafePageSize), [], new Dictionary<string, string>()));
        var listing = await queue.ListAsync(request.Term, request.Skip, request.SafePageSize, ct);
        var holds = Holds is { } h ? await h.ListAsync(ct) : [];
        return View(new QueuePage(true, new Page<QueuedMessage>(listing.Items, listing.Total, request.SafePage, request.SafePageSize), holds, ForwardedFrom(listing.Items)));
    }

    /// <summary>
    /// Forwarded mail leaves with an SRS sender (SRS0=hash=day=origin.example=someone@us); staff asking "whose mail is
    /// this" want the sender it stands for, which only our own secret can vouch for.
    /// </summary>
    private Dictionary<string, string> ForwardedFrom(IEnumerable<QueuedMessage> entries)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (Srs is not { } srs) return map;
        foreach (var sender in entries.Select(e => e.Sender).Where(HostingPanel.MailEngine.Outbound.Srs.SrsAddress.IsSrs).Distinct(StringComparer.OrdinalIgnoreCase))
            if (srs.Reverse(sender) is { Status: HostingPanel.MailEngine.Outbound.Srs.SrsReverseStatus.Ok, Address: { } original })
                map[sender] = original;
        return map;
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

/// <param name="ForwardedFrom">For SRS senders of forwarded mail, the original sender they stand for.</param>
public sealed record QueuePage(bool Available, Page<QueuedMessage> Entries, IReadOnlyList<SendingHold> Holds, IReadOnlyDictionary<string, string> ForwardedFrom)
{
    public bool IsHeld(QueuedMessage entry) => entry.SubmittedBy is { } by && Holds.Any(h => string.Equals(h.Address, by, StringComparison.OrdinalIgnoreCase));
}
