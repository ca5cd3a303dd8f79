using HostingPanel.Application.Aliases;
using HostingPanel.Application.Domains;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Aliases;

/// <summary>A domain's aliases (several destinations each) and its catch-all (local part "*").</summary>
[Route("domains/{domain}/aliases"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class AliasesController(AliasService aliases, DomainService domains) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index(string domain, int page = 1, string? q = null, CancellationToken ct = default)
    {
        var d = await domains.GetAsync(domain, ct);
        var list = await aliases.ListAsync(domain, Paging(page, q), ct);
        if (!d.Succeeded || !list.Succeeded) return NotFound();
        ViewData["q"] = q;
        ViewData["Domain"] = d.Value;
        return View(list.Value);
    }

    [HttpGet("new")]
    public async Task<IActionResult> Create(string domain, bool catchAll = false, CancellationToken ct = default)
    {
        if (!(await domains.GetAsync(domain, ct)).Succeeded) return NotFound();
        ViewData["Domain"] = domain;
        return View(new AliasForm { LocalPart = catchAll ? "*" : null });
    }

    [HttpPost("new")]
    public async Task<IActionResult> Create(string domain, AliasForm form, CancellationToken ct)
    {
        var result = await aliases.CreateAsync(domain, new CreateAliasInput { LocalPart = form.LocalPart, Destinations = AliasForm.Split(form.Destinations) }, ct);
        if (result.Succeeded)
        {
            Flash(result.Value!.IsCatchAll ? $"Catch-all of {result.Value.Domain} created." : $"Alias {result.Value.Address} created.");
            return Redirect($"/domains/{Uri.EscapeDataString(result.Value.Domain)}/aliases");
        }
        if (Show(result.Failure!, AliasForm.FieldOf) is { } notFound) return notFound;
        ViewData["Domain"] = domain;
        return View(form);
    }

    [HttpGet("{localPart}")]
    public async Task<IActionResult> Edit(string domain, string localPart, CancellationToken ct)
    {
        var result = await aliases.GetAsync(domain, localPart, ct);
        if (!result.Succeeded) return NotFound();
        ViewData["Alias"] = result.Value;
        return View(new AliasForm { LocalPart = result.Value!.LocalPart, Destinations = string.Join("\n", result.Value.Destinations) });
    }

    [HttpPost("{localPart}")]
    public async Task<IActionResult> Edit(string domain, string localPart, AliasForm form, CancellationToken ct)
    {
        var result = await aliases.ReplaceDestinationsAsync(domain, localPart, new ReplaceDestinationsInput { Destinations = AliasForm.Split(form.Destinations) }, ct);
        if (result.Succeeded)
        {
            Flash($"{result.Value!.Address} saved.");
            return Redirect($"/domains/{Uri.EscapeDataString(result.Value.Domain)}/aliases");
        }
        if (Show(result.Failure!, AliasForm.FieldOf) is { } notFound) return notFound;
        var current = await aliases.GetAsync(domain, localPart, ct);
        if (!current.Succeeded) return NotFound();
        ViewData["Alias"] = current.Value;
        return View(form);
    }

    [HttpGet("{localPart}/delete")]
    public async Task<IActionResult> Delete(string domain, string localPart, CancellationToken ct)
    {
        var result = await aliases.GetAsync(domain, localPart, ct);
        return result.Succeeded ? View(result.Value) : NotFound();
    }

    [HttpPost("{localPart}/delete")]
    public async Task<IActionResult> DeleteConfirmed(string domain, string localPart, CancellationToken ct)
    {
        var result = await aliases.DeleteAsync(domain, localPart, ct);
        if (!result.Succeeded) return NotFound();
        Flash($"{localPart}@{domain} deleted.");
        return Redirect($"/domains/{Uri.EscapeDataString(domain)}/aliases");
    }
}

/// <summary>The alias form: destinations one per line (or separated by commas).</summary>
public sealed class AliasForm
{
    public string? LocalPart { get; set; }
    public string? Destinations { get; set; }

    public static List<string> Split(string? text) =>
        (text ?? "").Split(['\n', '\r', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>The service names a destination's error Destinations[n]; the form has one field for all of them.</summary>
    public static string FieldOf(string field) => field.StartsWith(nameof(Destinations), StringComparison.OrdinalIgnoreCase) ? nameof(Destinations) : field;
}
