using HostingPanel.MailEngine.Delivery;
using HostingPanel.Web.Features.Deliveries;

namespace HostingPanel.Web.Api.Endpoints;

/// <summary>Message tracking (the delivery log) and the routing check, in the caller's scope.</summary>
public static class DeliveryEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("").WithTags("Mail tracking");

        group.MapGet("/deliveries", async (string? address, string? messageId, string? since, string? until, int? page, int? pageSize,
                DeliveryTracking tracking, CancellationToken ct) =>
            {
                try
                {
                    var result = await tracking.SearchAsync(new DeliverySearchInput(address, messageId, since, until, page ?? 1, pageSize ?? 50), ct);
                    return result.ToOk(r => new DeliveryPageDto(r.Items.Select(DeliveryLineDto.From).ToList(), r.Total, r.Page, r.PageSize));
                }
                catch (MailRoleAbsentException e)
                {
                    return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "Mail engine not on this node", e.Message);
                }
            })
            .WithName("SearchDeliveries").WithSummary("Search the delivery log")
            .WithDescription("What happened to messages, newest first: one line per recipient and step (`accepted`, `refused`, `delivered`, `filed`, "
                + "`forwarded`, `queued`, `relayed`, `bounced`, `deferred`). `address` matches the sender or the recipient, `messageId` the Message-ID "
                + "(with or without angle brackets), `since`/`until` are ISO 8601 times. Resellers and customers see the lines of their own domains.")
            .Produces<DeliveryPageDto>().Paged().Produces(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/routing", async (string? address, DeliveryTracking tracking, CancellationToken ct) =>
            {
                try
                {
                    return (await tracking.RouteAsync(address, ct)).ToOk(r => r);
                }
                catch (MailRoleAbsentException e)
                {
                    return ApiProblems.Problem(StatusCodes.Status503ServiceUnavailable, "Mail engine not on this node", e.Message);
                }
            })
            .WithName("CheckRouting").WithSummary("What mail to an address would do now")
            .WithDescription("Expands the address as a delivery would (mailbox, aliases, forwards, catch-all) and says what the MX would answer "
                + "at RCPT TO, with each mailbox's quota state; nothing is sent. Addresses outside the caller's domains are 404.")
            .Produces<RoutingReport>().ProducesValidationProblem().NotFound().Produces(StatusCodes.Status503ServiceUnavailable);
    }
}

public sealed record DeliveryLineDto(
    DateTimeOffset Time, string? MessageId, string Sender, string Recipient, string Outcome, string? Detail, long Size, string? Client, string? Reason)
{
    public static DeliveryLineDto From(DeliveryLogLine l) => new(l.Time, l.MessageId, l.Sender, l.Recipient, l.Outcome, l.Detail, l.Size, l.Client, l.Reason);
}

public sealed record DeliveryPageDto(IReadOnlyList<DeliveryLineDto> Items, long Total, int Page, int PageSize);
