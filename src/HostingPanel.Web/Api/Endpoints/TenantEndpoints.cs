using HostingPanel.Application.Customers;
using HostingPanel.Application.Resellers;
using HostingPanel.Application.Tenants;

namespace HostingPanel.Web.Api.Endpoints;

/// <summary>Resellers (admin) and customers (admin, reseller), with their pools and plans.</summary>
public static class TenantEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var resellers = api.MapGroup("/resellers").WithTags("Resellers");
        resellers.MapGet("", async ([AsParameters] ListQuery query, ResellerService service, CancellationToken ct) =>
                TypedResults.Ok(PageDto<ResellerDto>.From(await service.ListAsync(query.ToRequest(), ct), ResellerDto.From)))
            .WithName("ListResellers").WithSummary("List resellers")
            .WithDescription("Admin and support: every reseller; a reseller: itself. Ordered by name; `search` matches the name.")
            .Produces<PageDto<ResellerDto>>().Paged();

        resellers.MapGet("/{id:guid}", async (Guid id, ResellerService service, CancellationToken ct) =>
                (await service.GetAsync(id, ct)).ToOk(ResellerDto.From))
            .WithName("GetReseller").WithSummary("Get a reseller").Produces<ResellerDto>().NotFound();

        resellers.MapGet("/{id:guid}/usage-history", async (Guid id, string? range, HostingPanel.Application.Usage.UsageHistoryService service, CancellationToken ct) =>
                (await service.ForResellerAsync(id, range, ct)).ToOk(UsageHistoryDto.Of))
            .WithName("GetResellerUsageHistory").WithSummary("Disk use of a reseller's customers over time")
            .WithDescription(UsageHistoryDto.Description).Produces<UsageHistoryDto>().ProducesValidationProblem(StatusCodes.Status400BadRequest).NotFound();

        resellers.MapPost("", async (HttpContext http, ResellerService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<CreateResellerInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.CreateAsync(body.Value!, ct)).ToCreated(ResellerDto.From, r => $"/api/v1/resellers/{r.Id}");
            })
            .WithName("CreateReseller").WithSummary("Create a reseller (admin)")
            .WithDescription("Creates the reseller, its pool and its portal login (`email`, `password`). `oversellPercent` (100-1000, default 100): its customers' plans may add up to this share of the pool, in every limit; the earlier `allowOverselling: true` still means 1000.")
            .JsonBody<CreateResellerInput>().Produces<ResellerDto>(StatusCodes.Status201Created).NotFound().Conflict();

        resellers.MapPatch("/{id:guid}", async (Guid id, HttpContext http, ResellerService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<UpdateResellerInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.UpdateAsync(id, body.Value!, ct)).ToOk(ResellerDto.From);
            })
            .WithName("UpdateReseller").WithSummary("Change a reseller (admin)")
            .WithDescription("Any of `name`, `enabled`, `oversellPercent` (100-1000; 422 when the plans already hold more than the new ratio allows), `allowOverselling` (true: 1000, false: 100), `limits`. `enabled: false` suspends the reseller and every mailbox under it (logins refused); `true` resumes them. The pool cannot shrink below what its customers' plans hold (422).")
            .JsonBody<UpdateResellerInput>().Produces<ResellerDto>().NotFound().Conflict().LimitExceeded();

        resellers.MapDelete("/{id:guid}", async (Guid id, TenantDeletionService service, CancellationToken ct) =>
                (await service.DeleteResellerAsync(id, ct)).Failure is { } f ? ApiProblems.From(f) : TypedResults.NoContent())
            .WithName("DeleteReseller").WithSummary("Delete a reseller with everything it owns (admin)")
            .WithDescription(DeleteText("reseller", "its customers with their domains, mailboxes and aliases, and every portal login and API key under it") + " 404 for anyone but an admin.")
            .Produces(StatusCodes.Status204NoContent).NotFound();

        resellers.MapPost("/{id:guid}/restore", async (Guid id, TenantDeletionService service, ResellerService resellers, CancellationToken ct) =>
            {
                var restored = await service.RestoreResellerAsync(id, ct);
                return restored.Succeeded ? (await resellers.GetAsync(id, ct)).ToOk(ResellerDto.From) : ApiProblems.From(restored.Failure!);
            })
            .WithName("RestoreReseller").WithSummary("Restore a deleted reseller (admin)")
            .WithDescription("Within the grace period: brings the reseller back with the customers, domains, mailboxes (with their mail) and aliases that were deleted with it, and its logins work again; what had been deleted on its own before stays deleted. 404 when it is not deleted, its grace period is over, or for anyone but an admin.")
            .Produces<ResellerDto>().NotFound();

        var customers = api.MapGroup("/customers").WithTags("Customers");
        customers.MapGet("", async ([AsParameters] ListQuery query, Guid? resellerId, CustomerService service, CancellationToken ct) =>
                TypedResults.Ok(PageDto<CustomerDto>.From(await service.ListAsync(query.ToRequest(), resellerId, ct), CustomerDto.From)))
            .WithName("ListCustomers").WithSummary("List customers")
            .WithDescription("The customers in the caller's scope, ordered by name; `search` matches the name, `resellerId` narrows to one reseller.")
            .Produces<PageDto<CustomerDto>>().Paged();

        customers.MapGet("/{id:guid}", async (Guid id, CustomerService service, CancellationToken ct) =>
                (await service.GetAsync(id, ct)).ToOk(CustomerDto.From))
            .WithName("GetCustomer").WithSummary("Get a customer").Produces<CustomerDto>().NotFound();

        customers.MapGet("/{id:guid}/usage-history", async (Guid id, string? range, HostingPanel.Application.Usage.UsageHistoryService service, CancellationToken ct) =>
                (await service.ForCustomerAsync(id, range, ct)).ToOk(UsageHistoryDto.Of))
            .WithName("GetCustomerUsageHistory").WithSummary("Disk use of a customer's mailboxes over time")
            .WithDescription(UsageHistoryDto.Description).Produces<UsageHistoryDto>().ProducesValidationProblem(StatusCodes.Status400BadRequest).NotFound();

        customers.MapPost("", async (HttpContext http, CustomerService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<CreateCustomerInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.CreateAsync(body.Value!, ct)).ToCreated(CustomerDto.From, c => $"/api/v1/customers/{c.Id}");
            })
            .WithName("CreateCustomer").WithSummary("Create a customer (admin, reseller)")
            .WithDescription("Creates the customer, its plan and its portal login; `defaultMailboxQuotaMb` (optional) is the size the new-mailbox form proposes. A reseller's key creates its own customers (`resellerId` is ignored) and the plan comes out of its pool (422 when it does not fit). An admin may give `resellerId`, or none for a direct customer.")
            .JsonBody<CreateCustomerInput>().Produces<CustomerDto>(StatusCodes.Status201Created).NotFound().Conflict().LimitExceeded();

        customers.MapPatch("/{id:guid}", async (Guid id, HttpContext http, CustomerService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<UpdateCustomerInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.UpdateAsync(id, body.Value!, ct)).ToOk(CustomerDto.From);
            })
            .WithName("UpdateCustomer").WithSummary("Change a customer (admin, reseller)")
            .WithDescription("Any of `name`, `enabled`, `limits`, `defaultMailboxQuotaMb` (the size the new-mailbox form proposes; 0: none, then an equal share of what is left; 422 above the plan's disk). `enabled: false` suspends the customer and every mailbox under it (logins refused); `true` resumes them. A plan cannot shrink below what is in use, nor grow past the reseller's pool (422).")
            .JsonBody<UpdateCustomerInput>().Produces<CustomerDto>().NotFound().Conflict().LimitExceeded();

        customers.MapDelete("/{id:guid}", async (Guid id, TenantDeletionService service, CancellationToken ct) =>
                (await service.DeleteCustomerAsync(id, ct)).Failure is { } f ? ApiProblems.From(f) : TypedResults.NoContent())
            .WithName("DeleteCustomer").WithSummary("Delete a customer with everything it owns (admin, reseller)")
            .WithDescription(DeleteText("customer", "its domains, mailboxes and aliases, and its portal logins (its own and its mailbox owners') with their API keys")
                + " A reseller deletes its own customers; a customer cannot delete itself (404), nor can support staff.")
            .Produces(StatusCodes.Status204NoContent).NotFound();

        customers.MapPost("/{id:guid}/restore", async (Guid id, TenantDeletionService service, CustomerService customers, CancellationToken ct) =>
            {
                var restored = await service.RestoreCustomerAsync(id, ct);
                return restored.Succeeded ? (await customers.GetAsync(id, ct)).ToOk(CustomerDto.From) : ApiProblems.From(restored.Failure!);
            })
            .WithName("RestoreCustomer").WithSummary("Restore a deleted customer (admin, reseller)")
            .WithDescription("Within the grace period: brings the customer back with the domains, mailboxes (with their mail) and aliases deleted with it, and its logins work again; what had been deleted on its own before stays deleted. Its plan is taken from the reseller's pool again: 422 when it no longer fits. 404 when it is not deleted, its grace period is over, it went with its reseller (restore the reseller), or it is outside the caller's scope.")
            .Produces<CustomerDto>().NotFound().LimitExceeded();
    }

    private static string DeleteText(string what, string owned) =>
        $"Deletes the {what} with {owned}. At once its mailboxes refuse logins, mail for its domains is refused as for a domain not hosted here (`554 5.7.1 relaying denied`), "
        + $"and its portal sign-ins and API keys are refused. For the grace period (`Provisioning:DeleteGraceDays`) everything can be restored with its mail (`POST .../restore`); "
        + "then the worker purges the mail, the rows and the logins. The domain names and login addresses stay taken until then.";
}
