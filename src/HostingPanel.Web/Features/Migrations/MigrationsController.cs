using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Migrations;

/// <summary>The portal's IMAP migration: a form that starts a job, and its progress page (refreshing itself while it runs).</summary>
[Route("migrations"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class MigrationsController(MigrationService migrations) : PortalController
{
    [HttpGet("")]
    public IActionResult Create(string? address) => View(new CreateMigrationInput { Address = address });

    [HttpPost("")]
    public async Task<IActionResult> Create(CreateMigrationInput form, CancellationToken ct)
    {
        var result = await migrations.CreateAsync(form, ct);
        if (result.Succeeded) return Redirect($"/migrations/{result.Value!.Id}");
        if (Show(result.Failure!) is { } notFound) return notFound;
        form.Password = null;
        return View(form);
    }

    [HttpGet("{id}")]
    public async Task<IActionResult> Progress(string id, CancellationToken ct)
    {
        var result = await migrations.GetAsync(id, ct);
        return result.Succeeded ? View(MigrationDto.From(result.Value!)) : NotFound();
    }
}
