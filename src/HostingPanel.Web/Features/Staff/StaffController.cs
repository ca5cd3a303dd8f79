using HostingPanel.Application.Staff;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Staff;

/// <summary>Admins: the hosting company's own accounts (support staff and admins).</summary>
[Route("staff"), RolesOr404(Roles.Admin)]
public sealed class StaffController(StaffUserService staff) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index(int page = 1, string? q = null, CancellationToken ct = default)
    {
        ViewData["q"] = q;
        return View(await staff.ListAsync(Paging(page, q), ct));
    }

    [HttpGet("new")]
    public IActionResult Create() => View(new CreateStaffUserInput());

    [HttpPost("new")]
    public async Task<IActionResult> Create(CreateStaffUserInput form, CancellationToken ct)
    {
        var result = await staff.CreateAsync(form, ct);
        if (result.Succeeded)
        {
            Flash($"{result.Value!.Role} account {result.Value.Email} created.");
            return RedirectToAction(nameof(Index));
        }
        return Show(result.Failure!) ?? View(form);
    }
}
