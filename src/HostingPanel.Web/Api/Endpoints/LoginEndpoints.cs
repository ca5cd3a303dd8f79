using HostingPanel.Application.Users;

namespace HostingPanel.Web.Api.Endpoints;

/// <summary>Portal logins managed by someone else: password reset and unlock.</summary>
public static class LoginEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var logins = api.MapGroup("/logins").WithTags("Logins");

        logins.MapPost("/reset-password", async (HttpContext http, LoginRecovery service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<ResetLoginPasswordInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.ResetPasswordAsync(body.Value!, ct)).ToOk(LoginPasswordResetDto.From);
            })
            .WithName("ResetLoginPassword").WithSummary("Reset the password of a login the caller manages")
            .WithDescription("`{email, password?}`: without `password` a 20-character one is generated and returned once as `generatedPassword`. "
                + "The login's open portal sessions end and its failed sign-in count is cleared; at its next sign-in the user must choose a new password before anything else. Who: an admin for every other login; support staff for customers' logins; "
                + "a reseller for its own customers' logins. Anyone else, one's own login (change it with the current password) and mailbox owners' logins (their password is the mailbox's: PATCH the mailbox) get 404.")
            .JsonBody<ResetLoginPasswordInput>().Produces<LoginPasswordResetDto>().NotFound();

        logins.MapPost("/unlock", async (HttpContext http, LoginRecovery service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<UnlockLoginInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                return (await service.UnlockAsync(body.Value!.Email ?? "", ct)).ToNoContent();
            })
            .WithName("UnlockLogin").WithSummary("End a login's lockout after failed sign-ins")
            .WithDescription("`{email}`: the lockout ends and the failed sign-in count is cleared (204). Who: as for the password reset; 404 otherwise.")
            .JsonBody<UnlockLoginInput>().Produces(StatusCodes.Status204NoContent).NotFound();
    }
}

public sealed class UnlockLoginInput
{
    public string? Email { get; set; }
}

/// <summary>The login whose password was reset; <c>generatedPassword</c> only when the product made it up (shown once).</summary>
public sealed record LoginPasswordResetDto(string Email, string? GeneratedPassword)
{
    public static LoginPasswordResetDto From(LoginPasswordReset r) => new(r.Email, r.GeneratedPassword);
}
