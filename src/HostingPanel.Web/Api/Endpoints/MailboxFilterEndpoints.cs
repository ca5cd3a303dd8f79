using HostingPanel.Application.Mailboxes;
using HostingPanel.MailEngine.Sieve;

namespace HostingPanel.Web.Api.Endpoints;

/// <summary>A mailbox's out-of-office reply in the API: see it, switch it off.</summary>
public static class MailboxFilterEndpoints
{
    public sealed record VacationDto(bool Enabled, bool Active, bool HandWritten, string? Subject, string? Text, DateOnly? Start, DateOnly? End, IReadOnlyList<string> Addresses);

    /// <summary>The mailbox when the caller manages it (staff, reseller, customer); a mailbox owner's own key sees none (404), as on the mailbox routes.</summary>
    private static async Task<MailboxView?> ManagedMailboxAsync(HttpContext http, MailboxService mailboxes, string domain, string localPart, CancellationToken ct)
    {
        if (http.User.IsInRole(HostingPanel.Data.Identity.Roles.MailboxUser))
            return null;
        var mailbox = await mailboxes.GetAsync(domain, localPart, ct);
        return mailbox.Succeeded ? mailbox.Value : null;
    }

    public static void MapMailboxFilters(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/domains/{domain}/mailboxes/{localPart}").WithTags("Mailboxes");
        group.MapGet("/vacation", async (string domain, string localPart, HttpContext http, MailboxService mailboxes, IMailFilterAdmin filters, CancellationToken ct) =>
            {
                var mailbox = await ManagedMailboxAsync(http, mailboxes, domain, localPart, ct);
                if (mailbox is null) return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found");
                var state = await filters.GetAsync(mailbox.Address, ct);
                var v = state?.Settings?.Vacation;
                return Results.Ok(new VacationDto(v?.Enabled ?? state?.VacationActive ?? false, state?.VacationActive ?? false,
                    state is { Settings: null, Script: not null }, v?.Subject, v?.Text, v?.Start, v?.End, v?.Addresses ?? []));
            })
            .WithName("GetMailboxVacation").WithSummary("The mailbox's out-of-office reply")
            .WithDescription("`enabled` as the owner set it, `active` when replies go out now (inside its dates); `handWritten` when the active Sieve script was written by hand (then only `enabled`/`active` are known).")
            .Produces<VacationDto>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete("/vacation", async (string domain, string localPart, HttpContext http, MailboxService mailboxes, IMailFilterAdmin filters, CancellationToken ct) =>
            {
                var mailbox = await ManagedMailboxAsync(http, mailboxes, domain, localPart, ct);
                if (mailbox is null)
                    return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found");
                // Idempotent: a mailbox the engine does not have (yet) has no reply to switch off.
                await filters.SwitchOffVacationAsync(mailbox.Address, ct);
                return Results.NoContent();
            })
            .WithName("SwitchOffMailboxVacation").WithSummary("Switch the mailbox's out-of-office reply off")
            .WithDescription("The owner's other rules stay. A hand-written Sieve script that sends vacation replies is deactivated (its text is kept).")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }
}
