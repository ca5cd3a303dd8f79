using HostingPanel.Application.Common;
using HostingPanel.Data.Identity;
using HostingPanel.MailEngine.FrontDoor;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Outbound.Limits;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Queue;

/// <summary>Admins: the outbound mail queue of this mail node (relay, forwarding, bounces), with retry and delete.</summary>
[Route("queue"), RolesOr404(Roles.Admin)]
public sealed class QueueController(
    IOutboundQueueAdmin queue, ISendingHolds holds, IForwardedSenderLookup forwardedSenders, MailEnginePresence engine) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index(int page = 1, string? q = null, CancellationToken ct = default)
    {
        var request = Paging(page, q);
        ViewData["q"] = q;
        if (!engine.RunsHere) return View(new QueuePage(false, new Page<QueuedMessage>([], 0, request.SafePage, request.SafePageSize), [], new Dictionary<string, string>()));
        var listing = await queue.ListAsync(request.Term, request.Skip, request.SafePageSize, ct);
        var held = await holds.ListAsync(ct);
        return View(new QueuePage(true, new Page<QueuedMessage>(listing.Items, listing.Total, request.SafePage, request.SafePageSize), held, ForwardedFrom(listing.Items)));
    }

    /// <summary>For SRS senders of forwarded mail, the original sender each stands for (staff ask "whose mail is this").</summary>
    private Dictionary<string, string> ForwardedFrom(IEnumerable<QueuedMessage> entries)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var sender in entries.Select(e => e.Sender).Distinct(StringComparer.OrdinalIgnoreCase))
            if (forwardedSenders.OriginalSender(sender) is { } original)
                map[sender] = original;
        return map;
    }

    [HttpPost("{id}/retry")]
    public async Task<IActionResult> Retry(string id, CancellationToken ct)
    {
        if (!await queue.RetryNowAsync(id, ct)) return NotFound();
        Flash("The message will be tried again now.");
        return RedirectToAction(nameof(Index));
    }

    [HttpPost("{id}/delete")]
    public async Task<IActionResult> Delete(string id, CancellationToken ct)
    {
        if (!await queue.DeleteAsync(id, ct)) return NotFound();
        Flash("The message was removed from the queue without a bounce.");
        return RedirectToAction(nameof(Index));
    }

    /// <summary>Ends a mailbox's sending hold (outbound abuse limits): it may send again and its queued mail leaves.</summary>
    [HttpPost("holds/{address}/release")]
    public async Task<IActionResult> Release(string address, CancellationToken ct)
    {
        if (!await holds.ReleaseAsync(address, ct)) return NotFound();
        Flash($"{address} may send again; its waiting mail leaves now.");
        return RedirectToAction(nameof(Index));
    }
}

/// <param name="ForwardedFrom">For SRS senders of forwarded mail, the original sender they stand for.</param>
public sealed record QueuePage(bool Available, Page<QueuedMessage> Entries, IReadOnlyList<SendingHold> Holds, IReadOnlyDictionary<string, string> ForwardedFrom)
{
    public bool IsHeld(QueuedMessage entry) => entry.SubmittedBy is { } by && Holds.Any(h => string.Equals(h.Address, by, StringComparison.OrdinalIgnoreCase));
}
