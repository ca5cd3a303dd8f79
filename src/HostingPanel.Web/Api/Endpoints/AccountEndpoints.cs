using System.Text.Json;
using HostingPanel.Application.ApiKeys;
using HostingPanel.Application.Common;

namespace HostingPanel.Web.Api.Endpoints;

/// <summary>The caller and its API keys.</summary>
public static class AccountEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/me", (IActorAccessor actors) =>
            {
                var a = actors.Actor;
                return TypedResults.Ok(new MeDto(a.Name, JsonNamingPolicy.CamelCase.ConvertName(a.Role), a.ResellerId, a.CustomerId));
            })
            .WithTags("Account").WithName("GetMe").WithSummary("The caller")
            .WithDescription("The API key's user: its email, role (admin, support, reseller, customer) and tenant.");

        var keys = api.MapGroup("/apikeys").WithTags("API keys");
        keys.MapGet("", async ([AsParameters] ListQuery query, ApiKeyService service, CancellationToken ct) =>
                TypedResults.Ok(PageDto<ApiKeyDto>.From(await service.ListAsync(query.ToRequest(), ct), ApiKeyDto.From)))
            .WithName("ListApiKeys").WithSummary("List API keys")
            .WithDescription("Keys of the caller and of the users below it (admin: everybody; reseller: its customers), newest first. The secret is never shown again; `prefix` tells keys apart.")
            .Produces<PageDto<ApiKeyDto>>().Paged();

        keys.MapPost("", async (HttpContext http, ApiKeyService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<CreateApiKeyInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                var result = await service.CreateAsync(body.Value!, ct);
                return result.Failure is { } f ? ApiProblems.From(f) : TypedResults.Created((string?)null, CreatedApiKeyDto.From(result.Value!));
            })
            .WithName("CreateApiKey").WithSummary("Create an API key")
            .WithDescription("Without `userEmail` the key is the caller's own; with it, a key of a user inside the caller's scope (admin: anyone; reseller: its customers). The `key` is shown once: only its hash is stored.")
            .JsonBody<CreateApiKeyInput>().Produces<CreatedApiKeyDto>(StatusCodes.Status201Created).NotFound();

        keys.MapDelete("/{id:guid}", async (Guid id, ApiKeyService service, CancellationToken ct) =>
                (await service.RevokeAsync(id, ct)).ToNoContent())
            .WithName("RevokeApiKey").WithSummary("Revoke an API key")
            .WithDescription("The key stops working at once. Revoking a revoked key is harmless.")
            .Produces(StatusCodes.Status204NoContent).NotFound();
    }
}
