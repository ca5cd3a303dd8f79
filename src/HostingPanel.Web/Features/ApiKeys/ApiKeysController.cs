using HostingPanel.Application.ApiKeys;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.ApiKeys;

/// <summary>API keys of the user (and, for admins and resellers, of users below them): create (shown once), list, revoke.</summary>
[Route("apikeys"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class ApiKeysController(ApiKeyService keys) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index(int page = 1, string? q = null, CancellationToken ct = default)
    {
        await LoadKeysAsync(page, q, ct);
        return View(new CreateApiKeyInput());
    }

    [HttpPost("")]
    public async Task<IActionResult> Create(CreateApiKeyInput form, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(form.UserEmail)) form.UserEmail = null;
        var result = await keys.CreateAsync(form, ct);
        if (result.Succeeded)
        {
            // Shown on this response only; never stored in clear text.
            ViewData["Created"] = result.Value;
            form = new CreateApiKeyInput();
            ModelState.Clear();
        }
        else if (result.Failure!.Kind == Application.Common.FailureKind.NotFound)
        {
            ModelState.AddModelError(nameof(form.UserEmail), "There is no such user among yours.");
        }
        else Show(result.Failure);
        await LoadKeysAsync(1, null, ct);
        return View(nameof(Index), form);
    }

    private async Task LoadKeysAsync(int page, string? q, CancellationToken ct)
    {
        ViewData["q"] = q;
        ViewData["Keys"] = await keys.ListAsync(Paging(page, q), ct);
    }

    [HttpPost("{id:guid}/revoke")]
    public async Task<IActionResult> Revoke(Guid id, CancellationToken ct)
    {
        var result = await keys.RevokeAsync(id, ct);
        if (!result.Succeeded) return NotFound();
        Flash("The key was revoked.");
        return RedirectToAction(nameof(Index));
    }
}
