using System.Text.Json;
using HostingPanel.Application.ApiKeys;
using HostingPanel.Application.Common;
using HostingPanel.Application.Localization;
using HostingPanel.Data.Identity;
using FluentValidation;
using Microsoft.AspNetCore.Identity;

namespace HostingPanel.Web.Api.Endpoints;

/// <summary>The caller and its API keys.</summary>
public static class AccountEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/me", async (IActorAccessor actors, UserManager<AppUser> users) =>
            {
                var a = actors.Actor;
                var user = a.UserId is null ? null : await users.FindByIdAsync(a.UserId);
                return TypedResults.Ok(new MeDto(a.Name, JsonNamingPolicy.CamelCase.ConvertName(a.Role), a.ResellerId, a.CustomerId, user?.Language, user?.TimeZone));
            })
            .WithTags("Account").WithName("GetMe").WithSummary("The caller")
            .WithDescription("The API key's user: its email, role (admin, support, reseller, customer), tenant, and its own language and time zone (null where it chose none).");

        api.MapPatch("/me", async (HttpContext http, IActorAccessor actors, UserManager<AppUser> users, UserPreferences preferences,
                IValidator<PreferencesInput> validator, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<PreferencesInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                var a = actors.Actor;
                if (a.UserId is null || await users.FindByIdAsync(a.UserId) is not { } user) return ApiProblems.From(Failure.NotFound("The user"));
                // Absent (null) keeps a value; an empty string clears it (back to the reseller's default).
                var input = new PreferencesInput { Language = body.Value!.Language ?? user.Language, TimeZone = body.Value.TimeZone ?? user.TimeZone };
                var validation = await validator.ValidateAsync(input, ct);
                if (!validation.IsValid) return ApiProblems.From(Failure.FromValidation(validation));
                await preferences.SaveAsync(user, input, ct);
                return (IResult)TypedResults.Ok(new MeDto(a.Name, JsonNamingPolicy.CamelCase.ConvertName(a.Role), a.ResellerId, a.CustomerId, user.Language, user.TimeZone));
            })
            .WithTags("Account").WithName("UpdateMe").WithSummary("Set the caller's language and time zone")
            .WithDescription("Any of `{language, timeZone}`: `language` one of `en`, `ms`; `timeZone` an IANA name (`Asia/Kuala_Lumpur`). An empty string clears the choice. Anything else is refused with 400.")
            .JsonBody<PreferencesInput>().Produces<MeDto>();

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
