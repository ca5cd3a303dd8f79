using HostingPanel.Application.Search;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Search;

/// <summary>Find a mailbox or alias by address: across every tenant for staff, inside one's own tenants otherwise.</summary>
[Route("search"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class SearchController(AddressSearchService search) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index(string? q, int page = 1, CancellationToken ct = default)
    {
        ViewData["q"] = q;
        return View(await search.SearchAsync(Paging(page, q), ct));
    }
}
