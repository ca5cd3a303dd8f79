using HostingPanel.Data.Identity;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Deliveries;

/// <summary>Mail tracking for staff, resellers and customers: search the delivery log, and check an address's routing.</summary>
[Route("deliveries"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class DeliveriesController(DeliveryTracking tracking) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index(string? address, string? messageId, string? since, string? until, int page = 1, CancellationToken ct = default)
    {
        var input = new DeliverySearchInput(address, messageId, since, until, page < 1 ? 1 : page, PageSize);
        var searched = !string.IsNullOrWhiteSpace(address) || !string.IsNullOrWhiteSpace(messageId) || !string.IsNullOrWhiteSpace(since) || !string.IsNullOrWhiteSpace(until);
        try
        {
            var result = await tracking.SearchAsync(input, ct);
            if (result.Failure is { } failure)
            {
                foreach (var (field, messages) in failure.Errors)
                    foreach (var message in messages)
                        ModelState.AddModelError(field, message);
                return View(new DeliveriesPage(input, searched, null, true));
            }
            return View(new DeliveriesPage(input, searched, result.Value, true));
        }
        catch (MailRoleAbsentException)
        {
            return View(new DeliveriesPage(input, searched, null, false));
        }
    }

    [HttpGet("routing")]
    public async Task<IActionResult> Routing(string? address, CancellationToken ct = default)
    {
        if (address is null)
            return View(new RoutingPage(null, null, true));
        try
        {
            var result = await tracking.RouteAsync(address, ct);
            if (result.Failure is { Kind: Application.Common.FailureKind.NotFound })
                ModelState.AddModelError("address", "No such address in your domains.");
            else if (result.Failure is { } failure)
                foreach (var message in failure.Errors.SelectMany(e => e.Value))
                    ModelState.AddModelError("address", message);
            return View(new RoutingPage(address, result.Value, true));
        }
        catch (MailRoleAbsentException)
        {
            return View(new RoutingPage(address, null, false));
        }
    }
}

public sealed record DeliveriesPage(DeliverySearchInput Input, bool Searched, DeliveryLogResult? Result, bool Available);

public sealed record RoutingPage(string? Address, RoutingReport? Report, bool Available);
