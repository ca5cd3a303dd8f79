using System.Security.Claims;
using HostingPanel.Data.Identity;
using HostingPanel.MailEngine.FrontDoor;
using HostingPanel.MailEngine.Outbound.Limits;

namespace HostingPanel.Web.Api.Endpoints;

/// <summary>
/// Outbound abuse limits as staff see them: the mailboxes whose sending is held (past <c>Mail:SendLimits</c>) and the
/// release. Admin and support only; for anyone else the routes do not exist (404).
/// </summary>
public static class SendingHoldEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/sending-holds").WithTags("Outbound limits");

        group.MapGet("", async (ClaimsPrincipal user, ISendingHolds holds, MailEnginePresence engine, CancellationToken ct) =>
            {
                if (!IsStaff(user))
                    return NotFound();
                if (!engine.RunsHere)
                    return NoEngine();
                var list = await holds.ListAsync(ct);
                return Results.Ok(new SendingHoldListDto(list.Select(SendingHoldDto.From).ToList()));
            })
            .WithName("ListSendingHolds").WithSummary("Mailboxes whose sending is held")
            .WithDescription("Every mailbox that went past its hourly sending limit (`Mail:SendLimits`): its submissions get `451 4.7.1` and "
                + "its queued mail waits until it is released. Admin and support only.")
            .Produces<SendingHoldListDto>().NotFound().Produces(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/{address}/release", async (string address, ClaimsPrincipal user, ISendingHolds holds, MailEnginePresence engine, CancellationToken ct) =>
            {
                if (!IsStaff(user))
                    return NotFound();
                if (!engine.RunsHere)
                    return NoEngine();
                return await holds.ReleaseAsync(address, ct) ? Results.NoContent() : NotFound();
            })
            .WithName("ReleaseSendingHold").WithSummary("Let a held mailbox send again")
            .WithDescription("Ends the hold: the mailbox's hour starts afresh and its queued mail leaves now. 404 when it is not held.")
            .Produces(StatusCodes.Status204NoContent).NotFound().Produces(StatusCodes.Status503ServiceUnavailable);
    }

    private static bool IsStaff(ClaimsPrincipal user) => user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Support);

    private static IResult NotFound() => ApiProblems.Problem(StatusCodes.Status404NotFound, "Not found", "No such sending hold.");

    private static IResult NoEngine() =>
        ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "Mail engine not on this node", "This process does not run the mail engine (Roles).");
}

public sealed record SendingHoldDto(string Address, string Reason, DateTimeOffset HeldAt)
{
    public static SendingHoldDto From(SendingHold h) => new(h.Address, h.Reason, h.HeldAt);
}

public sealed record SendingHoldListDto(IReadOnlyList<SendingHoldDto> Items);
