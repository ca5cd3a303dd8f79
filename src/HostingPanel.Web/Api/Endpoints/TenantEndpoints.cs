using HostingPanel.Application.Customers;
using HostingPanel.Application.Resellers;

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

        resellers.MapPost("", async (HttpContext http, ResellerService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<CreateResellerInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.CreateAsync(body.Value!, ct)).ToCreated(ResellerDto.From, r => $"/api/v1/resellers/{r.Id}");
            })
            .WithName("CreateReseller").WithSummary("Create a reseller (admin)")
            .WithDescription("Creates the reseller, its pool and its portal login (`email`, `password`).")
            .JsonBody<CreateResellerInput>().Produces<ResellerDto>(StatusCodes.Status201Created).NotFound().Conflict();

        resellers.MapPatch("/{id:guid}", async (Guid id, HttpContext http, ResellerService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<UpdateResellerInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.UpdateAsync(id, body.Value!, ct)).ToOk(ResellerDto.From);
            })
            .WithName("UpdateReseller").WithSummary("Change a reseller (admin)")
            .WithDescription("Any of `name`, `enabled`, `allowOverselling`, `limits`. `enabled: false` suspends the reseller and every mailbox under it (logins refused); `true` resumes them. The pool cannot shrink below what its customers' plans hold (422).")
            .JsonBody<UpdateResellerInput>().Produces<ResellerDto>().NotFound().Conflict().LimitExceeded();

        var customers = api.MapGroup("/customers").WithTags("Customers");
        customers.MapGet("", async ([AsParameters] ListQuery query, Guid? resellerId, CustomerService service, CancellationToken ct) =>
                TypedResults.Ok(PageDto<CustomerDto>.From(await service.ListAsync(query.ToRequest(), resellerId, ct), CustomerDto.From)))
            .WithName("ListCustomers").WithSummary("List customers")
            .WithDescription("The customers in the caller's scope, ordered by name; `search` matches the name, `resellerId` narrows to one reseller.")
            .Produces<PageDto<CustomerDto>>().Paged();

        customers.MapGet("/{id:guid}", async (Guid id, CustomerService service, CancellationToken ct) =>
                (await service.GetAsync(id, ct)).ToOk(CustomerDto.From))
            .WithName("GetCustomer").WithSummary("Get a customer").Produces<CustomerDto>().NotFound();

        customers.MapPost("", async (HttpContext http, CustomerService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<CreateCustomerInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.CreateAsync(body.Value!, ct)).ToCreated(CustomerDto.From, c => $"/api/v1/customers/{c.Id}");
            })
            .WithName("CreateCustomer").WithSummary("Create a customer (admin, reseller)")
            .WithDescription("Creates the customer, its plan and its portal login. A reseller's key creates its own customers (`resellerId` is ignored) and the plan comes out of its pool (422 when it does not fit). An admin may give `resellerId`, or none for a direct customer.")
            .JsonBody<CreateCustomerInput>().Produces<CustomerDto>(StatusCodes.Status201Created).NotFound().Conflict().LimitExceeded();

        customers.MapPatch("/{id:guid}", async (Guid id, HttpContext http, CustomerService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<UpdateCustomerInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.UpdateAsync(id, body.Value!, ct)).ToOk(CustomerDto.From);
            })
            .WithName("UpdateCustomer").WithSummary("Change a customer (admin, reseller)")
            .WithDescription("Any of `name`, `enabled`, `limits`. `enabled: false` suspends the customer and every mailbox under it (logins refused); `true` resumes them. A plan cannot shrink below what is in use, nor grow past the reseller's pool (422).")
            .JsonBody<UpdateCustomerInput>().Produces<CustomerDto>().NotFound().Conflict().LimitExceeded();
    }
}
