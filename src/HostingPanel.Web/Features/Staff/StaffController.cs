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
        ViewData["Deleted"] = await staff.ListAsync(Paging(1, null), ct, deleted: true);
        return View(await staff.ListAsync(Paging(page, q), ct));
    }

    /// <summary>The confirmation: names the account and what happens to it.</summary>
    [HttpGet("{id}/delete")]
    public async Task<IActionResult> Delete(string id, CancellationToken ct)
    {
        var user = await staff.GetAsync(id, ct: ct);
        return user.Succeeded ? View(user.Value) : NotFound();
    }

    [HttpPost("{id}/delete")]
    public async Task<IActionResult> DeleteConfirmed(string id, CancellationToken ct)
    {
        var user = await staff.GetAsync(id, ct: ct);
        if (!user.Succeeded) return NotFound();
        var result = await staff.DeleteAsync(id, ct);
        if (result.Succeeded)
        {
            Flash($"{user.Value!.Email} was deleted. It can be restored below during the grace period.");
            return RedirectToAction(nameof(Index));
        }
        return Show(result.Failure!) ?? View(nameof(Delete), user.Value);
    }

    [HttpPost("{id}/restore")]
    public async Task<IActionResult> Restore(string id, CancellationToken ct)
    {
        var user = await staff.GetAsync(id, deleted: true, ct);
        if (!user.Succeeded || !(await staff.RestoreAsync(id, ct)).Succeeded) return NotFound();
        Flash($"{user.Value!.Email} was restored and can sign in again.");
        return RedirectToAction(nameof(Index));
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
