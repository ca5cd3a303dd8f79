using HostingPanel.Application.Common;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Dashboard;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Resellers;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Home;

public sealed class HomeController : Controller
{
    /// <summary>The dashboard: one view per role, every figure from the services under the user's scope.</summary>
    [HttpGet("/")]
    public async Task<IActionResult> Index([FromServices] IActorAccessor accessor, [FromServices] DashboardService dashboard,
        [FromServices] ResellerService resellers, [FromServices] CustomerService customers, [FromServices] DomainService domains,
        [FromServices] Operations.ProductionReadiness readiness, CancellationToken ct)
    {
        var actor = accessor.Actor;
        if (actor.IsMailboxUser) return Redirect("/my");
        var model = new DashboardModel { Role = actor.Role, Totals = await dashboard.TotalsAsync(ct) };
        if (actor.IsStaff)
        {
            model.Largest = await dashboard.LargestMailboxesAsync(10, ct);
            model.Failures = await dashboard.FailuresAsync(20, ct);
        }
        if (actor.IsAdmin)
            model.Readiness = await readiness.CheckAsync(ct);
        if (actor is { IsReseller: true, ResellerId: { } rid })
        {
            model.Pool = (await resellers.GetAsync(rid, ct)).Value;
            model.Customers = (await customers.ListAsync(new PageRequest(1, 10), null, ct)).Items;
            model.Largest = await dashboard.LargestMailboxesAsync(10, ct);
        }
        if (actor is { IsCustomer: true, CustomerId: { } cid })
        {
            model.Customer = (await customers.GetAsync(cid, ct)).Value;
            model.Domains = (await domains.ListAsync(new PageRequest(1, 10), null, ct)).Items;
        }
        return View(model);
    }

    [HttpGet("/error"), Microsoft.AspNetCore.Authorization.AllowAnonymous]
    public IActionResult Error() => Problem("Something went wrong on our side. It has been logged.");
}

public sealed class DashboardModel
{
    public string Role { get; set; } = "";
    public Totals Totals { get; set; } = null!;
    public IReadOnlyList<MailboxUsageRow> Largest { get; set; } = [];
    public IReadOnlyList<ProvisioningFailure> Failures { get; set; } = [];
    public ResellerView? Pool { get; set; }
    public IReadOnlyList<CustomerView> Customers { get; set; } = [];
    public CustomerView? Customer { get; set; }
    public IReadOnlyList<DomainView> Domains { get; set; } = [];
    /// <summary>The first-run check (admins): what is not ready for production.</summary>
    public IReadOnlyList<Operations.ReadinessItem> Readiness { get; set; } = [];
}
